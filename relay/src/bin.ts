#!/usr/bin/env node
import { ConfigError, createLogger, envName } from "@platform-metrics/sdk";
import { loadRelayConfig, relayConfigSchema } from "./config.js";
import { startRelay } from "./relay.js";

const usage = `pm-relay: moves the METRICS JetStream stream into every InfluxDB replica

Usage: pm-relay [--help]

Settings (environment variables, or the same camelCase keys in the YAML/JSON file named by PM_CONFIG):
${Object.entries(relayConfigSchema.shape)
  .map(
    ([key, schema]) =>
      `  ${envName(key).padEnd(26)}${(schema as { description?: string }).description ?? ""}`,
  )
  .join("\n")}
`;

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(usage);
  process.exit(0);
}
if (args.length > 0) {
  process.stderr.write(`pm-relay: unexpected arguments: ${args.join(" ")}\nTry --help.\n`);
  process.exit(2);
}

let config: ReturnType<typeof loadRelayConfig>;
try {
  config = loadRelayConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`pm-relay: ${error.message}\n`);
  process.exit(2);
}

const log = createLogger({ name: "pm-relay", level: config.logLevel });
const relay = await startRelay(config, log);
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping: finishing in-flight writes and acks");
    relay.stop().then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (error: Error) => {
        log.error({ err: error.message }, "unclean stop");
        process.exit(1);
      },
    );
  });
}
