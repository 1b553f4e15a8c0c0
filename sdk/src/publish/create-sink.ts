import type { Logger } from "pino";
import type { CommonConfig } from "../config/common.js";
import type { BatchQueue, QueueLimits } from "./batch.js";
import type { LineChunk } from "./line-chunk.js";
import { createFileSink, createStdoutSink } from "./line-sinks.js";
import { MemoryQueue } from "./memory-queue.js";
import type { NatsSink } from "./nats-sink.js";
import type { FlushResult, Sink, SinkStats } from "./sink.js";
import { DiskSpool } from "./spool.js";

/** The sink `PM_SINK` names: JetStream (with a memory or disk buffer), stdout, or a file. */
export function createSink(config: CommonConfig, source: string, log: Logger): Sink {
  if (config.sink.kind === "stdout") return createStdoutSink();
  if (config.sink.kind === "file") return createFileSink(config.sink.path);

  let sink: NatsSink | undefined;
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
  // Loaded here and only here, so that a collector writing to stdout or a file never loads the NATS
  // client and what it brings (tls, net, crypto, nkeys): about 1.5 MiB of RSS.
  const load = import("./nats-sink.js").then(({ NatsSink }) => {
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
  });
  return new DeferredSink(load, queue, log);
}

/**
 * A sink that exists once `load` settles (a few milliseconds after start-up). What is written
 * before waits here, in order, and is handed over first. Chunks and line arrays are kept as given:
 * a round builds new ones each time and never changes them after writing.
 */
class DeferredSink implements Sink {
  private sink: Sink | undefined;
  private waiting: Array<(sink: Sink) => void> = [];
  private readonly loaded: Promise<Sink>;

  constructor(
    load: Promise<Sink>,
    private readonly queue: BatchQueue,
    log: Logger,
  ) {
    this.loaded = load.then(
      (sink) => {
        this.sink = sink;
        for (const write of this.waiting) write(sink);
        this.waiting = [];
        return sink;
      },
      (error: Error) => {
        // The NATS client is part of the SDK's install: without it nothing can be published, and
        // waiting would only grow memory. Stop as a sink that cannot be opened does (exit 2).
        log.fatal({ err: error.message }, "cannot load the NATS client");
        process.exit(2);
      },
    );
  }

  write(org: string, lines: readonly string[]): void {
    if (this.sink) this.sink.write(org, lines);
    else this.waiting.push((sink) => sink.write(org, lines));
  }

  writeChunk(org: string, chunk: LineChunk): void {
    if (this.sink) this.sink.writeChunk(org, chunk);
    else this.waiting.push((sink) => sink.writeChunk(org, chunk));
  }

  async flush(timeoutMs: number): Promise<FlushResult> {
    return (this.sink ?? (await this.loaded)).flush(timeoutMs);
  }

  async close(): Promise<void> {
    return (this.sink ?? (await this.loaded)).close();
  }

  stats(): SinkStats {
    return (
      this.sink?.stats() ?? {
        pointsWritten: 0,
        pointsDropped: 0,
        batchesBuffered: this.queue.batches,
        pointsBuffered: this.queue.points,
        publishErrors: 0,
      }
    );
  }

  ready(): boolean {
    return this.sink?.ready() ?? false;
  }
}
