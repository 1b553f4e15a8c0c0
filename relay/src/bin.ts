#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import { ConfigError, createLogger, envName, packageVersion } from "@platform-metrics/sdk/service";
import { loadRelayConfig, relayConfigSchema } from "./config.js";
import { startRelay } from "./relay.js";

const usage = `pm-relay: moves the METRICS JetStream stream into every InfluxDB replica

Usage: pm-relay [--help | --version]

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
if (args.includes("--version")) {
  process.stdout.write(`pm-relay ${packageVersion(fileURLToPath(import.meta.url))}\n`);
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
const relay = await startRelay(config, log).catch((error: Error) => {
  // E.g. the health port is taken: the message names the port and PM_HTTP_PORT.
  log.fatal({ err: error.message }, "cannot start");
  process.exit(1);
});
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
