import type { Logger } from "pino";
import type { CommonConfig } from "../config/common.js";
import type { QueueLimits } from "./batch.js";
import { createFileSink, createStdoutSink } from "./line-sinks.js";
import { MemoryQueue } from "./memory-queue.js";
import type { Sink } from "./sink.js";
import { DiskSpool } from "./spool.js";

/**
 * The sink `PM_SINK` names: JetStream (with a memory or disk buffer), stdout, or a file. Async
 * because the NATS client is loaded here and only here, so that a collector writing to stdout or a
 * file never loads it and what it brings (tls, net, crypto, nkeys): about 1.5 MiB of RSS.
 */
export async function createSink(config: CommonConfig, source: string, log: Logger): Promise<Sink> {
  if (config.sink.kind === "stdout") return createStdoutSink();
  if (config.sink.kind === "file") return createFileSink(config.sink.path);

  const { NatsSink } = await import("./nats-sink.js");
  let sink: InstanceType<typeof NatsSink> | undefined;
  const limits: QueueLimits = {
    maxBatches: config.bufferMaxBatches,
    maxBytes: config.bufferMaxBytes,
    onDrop: (batch) => sink?.recordDrop(batch.lines),
  };
  const queue = config.spoolDir
    ? new DiskSpool(config.spoolDir, limits, (file, reason) =>
        log.error({ file, reason }, "spool file unreadable; removed"),
      )
    : new MemoryQueue(limits);
  if (config.spoolDir && queue.batches > 0) {
    log.info(
      { spoolDir: config.spoolDir, batches: queue.batches, points: queue.points },
      "replaying spooled batches",
    );
  }
  sink = new NatsSink({
    servers: config.natsUrl,
    user: config.natsUser,
    password: config.natsPassword,
    token: config.natsToken,
    name: [source, config.podName].filter(Boolean).join("/"),
    source,
    queue,
    batchMaxLines: config.batchMaxLines,
    batchMaxDelayMs: config.batchMaxDelay,
    publishTimeoutMs: config.publishTimeout,
    log,
  });
  return sink;
}
