import { z } from "zod";
import { NAME_PATTERN, NAME_RULE } from "../contracts/names.js";
import { DEFAULT_HTTP_PORTS } from "../runtime/ports.js";
import { duration } from "./duration.js";

/** An org or source becomes a NATS subject token: no dots, spaces or wildcards. */
export const subjectToken = z.string().regex(NAME_PATTERN, `expected ${NAME_RULE}`);

const sink = z
  .string()
  .regex(/^(nats|stdout|file:.+)$/, "expected nats, stdout or file:<path>")
  .transform((value) =>
    value.startsWith("file:")
      ? { kind: "file" as const, path: value.slice(5) }
      : { kind: value as "nats" | "stdout" },
  );

/** A TCP port to listen on; 0 lets the system pick a free one. */
export const portNumber = z.coerce.number().int().min(0).max(65535);

const natsUrls = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(",")).map((url) => url.trim()).filter(Boolean),
  )
  .pipe(
    z
      .array(z.string().regex(/^(nats|tls|ws|wss):\/\/[^\s]+$|^[^\s:/]+:\d+$/, "expected nats://host:port"))
      .min(1),
  );

/**
 * Settings every service shares. Each key is read from `PM_<KEY_IN_SNAKE_CASE>` (natsUrl -> PM_NATS_URL)
 * or from the `PM_CONFIG` file under the same camelCase key.
 */
export const commonConfigSchema = z.object({
  natsUrl: natsUrls
    .default(["nats://127.0.0.1:4222"])
    .describe("NATS server(s), comma-separated (default nats://127.0.0.1:4222)"),
  natsUser: z.string().optional().describe("NATS user"),
  natsPassword: z.string().optional().describe("NATS password"),
  natsToken: z.string().optional().describe("NATS token"),
  org: subjectToken.default("platform").describe("org (tenant) of the points written (default platform)"),
  cluster: z.string().min(1).optional().describe("adds a cluster tag to every point"),
  sink: sink.default({ kind: "nats" }).describe("nats, stdout (line protocol) or file:<path> (default nats)"),
  interval: duration({ min: "10ms" })
    .optional()
    .describe("collection interval, e.g. 10s (default per collector)"),
  roundTimeout: duration({ min: "1ms" })
    .optional()
    .describe("time limit of one round (default the interval)"),
  jitter: duration()
    .optional()
    .describe("random delay added to each round start (default 10% of the interval)"),
  httpPort: portNumber
    .default(DEFAULT_HTTP_PORTS.other)
    .describe("port of /healthz and /readyz; 0 picks a free one (default per service, docs/ports.md)"),
  logLevel: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info")
    .describe("fatal, error, warn, info, debug, trace or silent (default info)"),
  spoolDir: z
    .string()
    .min(1)
    .optional()
    .describe("keep unsent batches on disk here, so they survive a restart"),
  bufferMaxBatches: z.coerce
    .number()
    .int()
    .min(1)
    .default(10_000)
    .describe("most batches buffered while NATS is away; the oldest go first (default 10000)"),
  bufferMaxBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024)
    .describe("most bytes buffered while NATS is away (default 64 MiB)"),
  batchMaxLines: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(5000)
    .describe("lines per published message (default 5000)"),
  batchMaxDelay: duration().default(100).describe("longest a line waits for its batch (default 100ms)"),
  publishTimeout: duration({ min: "100ms" })
    .default(5000)
    .describe("wait for a JetStream ack this long before retrying (default 5s)"),
  shutdownTimeout: duration()
    .default(10_000)
    .describe("on SIGTERM, time to finish the round and flush (default 10s)"),
  podName: z.string().optional().describe("pod name, from the downward API (tags pm_collector)"),
  podNamespace: z.string().optional().describe("pod namespace, from the downward API"),
  nodeName: z.string().optional().describe("node name, from the downward API"),
});

export type CommonConfig = z.output<typeof commonConfigSchema>;
export type SinkConfig = CommonConfig["sink"];
