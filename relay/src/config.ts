import { influxReplicas } from "@platform-metrics/sdk/contracts";
import {
  commonConfigSchema,
  DEFAULT_HTTP_PORTS,
  duration,
  type LoadConfigOptions,
  loadConfig,
  parseDuration,
  portNumber,
  z,
} from "@platform-metrics/sdk/service";

import { RELAY_METRICS_INTERVAL } from "./measurements.js";

export type { InfluxReplica as Replica } from "@platform-metrics/sdk/contracts";

/** The relay's settings: `PM_<KEY>` or the same camelCase key in the PM_CONFIG file. */
export const relayConfigSchema = commonConfigSchema
  .pick({
    natsUrl: true,
    natsUser: true,
    natsPassword: true,
    natsToken: true,
    logLevel: true,
  })
  .extend({
    // The relay's own texts: the common ones speak of a collector's rounds and pm_collector.
    shutdownTimeout: duration()
      .default(10_000)
      .describe("on SIGTERM, time to finish in-flight writes and acks before closing (default 10s)"),
    podName: z
      .string()
      .optional()
      .describe("pod name, from the downward API: names the NATS connection and tags pm_relay points"),
    influxUrls: influxReplicas.describe(
      "replicas, name=url comma-separated, e.g. a=http://influx-a:8086,b=http://influx-b:8086",
    ),
    influxDb: z.string().min(1).default("platform_metrics").describe("database (default platform_metrics)"),
    influxUsername: z.string().min(1).optional().describe("InfluxDB user (basic auth)"),
    influxPassword: z.string().optional().describe("InfluxDB password"),
    influxGzip: z
      .boolean()
      .default(false)
      .describe("gzip write bodies above 32 KiB: for replicas across a slow network (default false)"),
    influxRp: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "expected a retention policy name of letters, digits, _ and -")
      .optional()
      .describe(
        "retention policy every write names (rp=), created by the bootstrap as the default; unset: writes name none and go to the database's default, which the bootstrap makes raw",
      ),
    retention: duration({ min: "1h" })
      .default(72 * 3_600_000)
      .describe("raw retention: the default retention policy and the stream's max age (default 72h)"),
    streamMaxBytes: z.coerce
      .number()
      .int()
      .min(-1)
      .default(-1)
      .describe("stream size limit in bytes, -1 for none (default -1)"),
    streamReplicas: z.coerce
      .number()
      .int()
      .min(1)
      .max(5)
      .default(1)
      .describe(
        "copies of each stream in a JetStream cluster, 1 to 5: 3 survives the loss of any one node (default 1)",
      ),
    updateStream: z
      .boolean()
      .default(false)
      .describe(
        "change an existing stream's settings to these (default false: leave them, log the difference)",
      ),
    batchMaxLines: z.coerce
      .number()
      .int()
      .min(1)
      .max(100_000)
      // A backlog (a replica catching up, a drain) is written in batches this large: per point, fewer
      // and larger writes cost influxd 1.x (a request, a WAL write and fsync each) and the relay less
      // CPU; 20,000 drained 1M points faster than 10,000 and 5,000 (bench/results/relay-process.md). A
      // light load never waits for it (group commit), and ~3 MB bodies are far below 1.x's 25 MB.
      .default(20_000)
      .describe("lines per InfluxDB write (default 20000)"),
    batchMaxDelay: duration({ min: "1ms" })
      .default(200)
      .describe("longest a fetched message waits for its write (default 200ms)"),
    maxAckPending: z.coerce
      .number()
      .int()
      .min(1)
      .default(20_000)
      .describe("messages a replica's consumer may have unacknowledged (default 20000)"),
    writeTimeout: duration({ min: "100ms" })
      .default(10_000)
      .describe("time limit of one InfluxDB write (default 10s)"),
    ackWait: duration({ min: "1s" })
      .default(30_000)
      .describe(
        "a message not acked this long after delivery goes to another relay, e.g. after a crash (default 30s; set when the consumer is created)",
      ),
    prefetchMessages: z.coerce
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(2000)
      .describe("messages each replica's consumer pulls ahead (default 2000)"),
    prefetchBytes: z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .max(1024 * 1024 * 1024)
      .default(8 * 1024 * 1024)
      .describe(
        "bytes each replica's consumer pulls ahead, raised to twice the server's max_payload (default 8388608)",
      ),
    maxRetryDelay: duration({ min: "100ms" })
      .default(30_000)
      .describe("longest backoff after failed writes (default 30s)"),
    httpPort: portNumber
      .default(DEFAULT_HTTP_PORTS.relay)
      .describe(
        `port of /healthz and /readyz; 0 picks a free one (default ${DEFAULT_HTTP_PORTS.relay}, docs/ports.md)`,
      ),
    metricsInterval: duration({ min: "1s" })
      .default(parseDuration(RELAY_METRICS_INTERVAL)!)
      .describe("how often pm_relay points are published (default 10s)"),
  });

export type RelayConfig = z.output<typeof relayConfigSchema>;

export function loadRelayConfig(options?: LoadConfigOptions): RelayConfig {
  return loadConfig(relayConfigSchema, options);
}
