#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import {
  ConfigError,
  createLogger,
  envName,
  listenErrorMessage,
  packageVersion,
} from "@platform-metrics/sdk/service";
import { TokensFileError } from "./auth/tokens-file.js";
import { runTokenCreate } from "./cli/token-create.js";
import { gatewayConfigSchema, loadGatewayConfig } from "./config.js";
import { createGateway } from "./server.js";

function usage(): string {
  const shape = gatewayConfigSchema.shape as Record<string, { description?: string }>;
  const variables = Object.entries(shape).map(
    ([key, schema]) => `  ${envName(key).padEnd(30)} ${schema.description ?? ""}`,
  );
  return [
    "usage: pm-gateway                 serve the query API and dashboard",
    "       pm-gateway token create --id <id> --org <org> [--org ...] [--expires <RFC 3339>]",
    "       pm-gateway --help | --version",
    "",
    "Authenticated, org-scoped structured queries over InfluxDB replicas (see README.md).",
    "",
    "Environment (or the same camelCase keys in the YAML/JSON file named by PM_CONFIG):",
    ...variables,
    "",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    if (argv[0] === "token") return runTokenCreate(["--help"]);
    process.stdout.write(usage());
    return 0;
  }
  if (argv.includes("--version")) {
    process.stdout.write(`pm-gateway ${packageVersion(fileURLToPath(import.meta.url))}\n`);
    return 0;
  }
  if (argv[0] === "token") {
    if (argv[1] !== "create") {
      process.stderr.write(`unknown command: token ${argv[1] ?? ""}\n${usage()}`);
      return 2;
    }
    return runTokenCreate(argv.slice(2));
  }
  if (argv.length > 0) {
    process.stderr.write(`unknown argument: ${argv[0]}\n${usage()}`);
    return 2;
  }

  let config: ReturnType<typeof loadGatewayConfig>;
  try {
    config = loadGatewayConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`pm-gateway: ${error.message}\n`);
    return 2;
  }
  const logger = createLogger({ name: "pm-gateway", level: config.logLevel });
  let app: Awaited<ReturnType<typeof createGateway>>;
  try {
    app = await createGateway({ config, logger });
  } catch (error) {
    if (!(error instanceof TokensFileError)) throw error;
    process.stderr.write(`pm-gateway: PM_GATEWAY_TOKENS_FILE: ${error.message}\n`);
    return 2;
  }
  try {
    await app.listen({ port: config.httpPort, host: config.httpHost });
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code !== "EADDRINUSE" && code !== "EACCES") throw error;
    await app.close();
    const where = { port: config.httpPort, host: config.httpHost };
    process.stderr.write(`pm-gateway: ${listenErrorMessage(error as NodeJS.ErrnoException, where)}\n`);
    return 1;
  }

  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "stopping");
      app.close().then(
        () => resolve(0),
        (error) => {
          logger.error({ err: error }, "close failed");
          resolve(1);
        },
      );
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`pm-gateway: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
