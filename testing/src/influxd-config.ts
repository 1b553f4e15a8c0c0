import { join } from "node:path";

export interface InfluxdConfigInput {
  /** Holds meta/, data/ and wal/. */
  dir: string;
  rpcPort: number;
  httpPort: number;
  auth: boolean;
}

/** TOML strings: a temporary directory path may need escaping. */
function quote(value: string): string {
  return JSON.stringify(value);
}

/**
 * influxd.conf for a test instance: its own directories, both listeners on free ports, and
 * everything off that costs start-up time or CPU and is not under test.
 */
export function influxdConfig({ dir, rpcPort, httpPort, auth }: InfluxdConfigInput): string {
  return `reporting-disabled = true
bind-address = ${quote(`127.0.0.1:${rpcPort}`)}
[meta]
  dir = ${quote(join(dir, "meta"))}
  logging-enabled = false
[data]
  dir = ${quote(join(dir, "data"))}
  wal-dir = ${quote(join(dir, "wal"))}
  index-version = "inmem"
  query-log-enabled = false
  trace-logging-enabled = false
[coordinator]
  log-queries-after = "0s"
  # A write to a test instance on a loaded machine may take longer than the 10 s default.
  write-timeout = "60s"
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
[shard-precreation]
  enabled = false
[ifql]
  enabled = false
[logging]
  level = "warn"
[http]
  enabled = true
  bind-address = ${quote(`127.0.0.1:${httpPort}`)}
  auth-enabled = ${auth}
  log-enabled = false
  pprof-enabled = false
`;
}
