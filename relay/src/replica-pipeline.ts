import { setTimeout as sleep } from "node:timers/promises";
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "@platform-metrics/sdk";
import type { RelayConfig } from "./config.js";
import { replicaConsumer } from "./consumer.js";
import { type DeadLetter, publishDeadLetters } from "./dead-letter.js";
import { bootstrap } from "./influx/bootstrap.js";
import type { InfluxClient } from "./influx/client.js";
import { writeLines } from "./influx/write-lines.js";
import { type ValidationCache, validateMessage } from "./validate.js";

export interface ReplicaStats {
  replica: string;
  writable: boolean;
  pointsWritten: number;
  deadLettered: number;
  errors: number;
  lastWriteSeconds: number;
  /** Messages delivered again (after a nak, or an ack wait that ran out). */
  redelivered: number;
  /** JetStream time of the newest message written, nanoseconds. */
  lastWrittenAtNs: bigint | undefined;
}

interface Batch {
  messages: JsMsg[];
  lines: string[];
  /** For each line, the message it came from (index into `messages`). */
  origins: number[];
}

/** Resolves "stopped" when the signal aborts. */
function once(signal: AbortSignal): Promise<"stopped"> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve("stopped");
    else signal.addEventListener("abort", () => resolve("stopped"), { once: true });
  });
}
const BACKOFF_MIN_MS = 250;
const WRITES_IN_FLIGHT = 2;

/**
 * Moves the stream into one replica: fetch -> validate -> batch -> write -> ack. Messages are acked only
 * after the replica took their lines; a failed write naks them with a capped, jittered backoff and
 * pauses this replica only, so a slow or dead replica never holds back another.
 */
export class ReplicaPipeline {
  readonly stats: ReplicaStats;
  private messages: ConsumerMessages | undefined;
  private pendingNext: Promise<IteratorResult<JsMsg>> | undefined;
  private iterator: AsyncIterator<JsMsg> | undefined;
  private backoffMs = 0;
  private stopping = false;
  private readonly stopped = new AbortController();

  constructor(
    private readonly client: InfluxClient,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly cache: ValidationCache,
    private readonly config: RelayConfig,
    private readonly log: Logger,
  ) {
    this.stats = {
      replica: client.replica.name,
      writable: true,
      pointsWritten: 0,
      deadLettered: 0,
      errors: 0,
      lastWriteSeconds: 0,
      redelivered: 0,
      lastWrittenAtNs: undefined,
    };
  }

  get consumerName(): string {
    return `relay-${this.client.replica.name}`;
  }

  async run(): Promise<void> {
    const consumer = await replicaConsumer(this.js, this.jsm, this.client.replica.name, {
      maxAckPending: this.config.maxAckPending,
      ackWaitMs: this.config.ackWait,
    });
    await bootstrap(this.client, this.config.influxDb, this.config.retention, this.log);
    // Pull ahead by message count: a byte budget left a message bigger than what remained of it waiting
    // for the pull to expire. Enough for Telegraf's one-line messages to fill batches, few enough that
    // what waits in the client's buffer is written well within the ack wait.
    this.messages = await consumer.consume({ max_messages: this.config.prefetchMessages, expires: 30_000 });
    this.iterator = this.messages[Symbol.asyncIterator]();
    // Two writes in flight per replica: the next batch is read and validated while one is written.
    const inFlight = new Set<Promise<void>>();
    try {
      while (!this.stopping) {
        const batch = await this.nextBatch();
        if (batch.messages.length === 0) continue;
        const delivery: Promise<void> = this.deliver(batch).finally(() => inFlight.delete(delivery));
        inFlight.add(delivery);
        if (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
      }
    } finally {
      await Promise.allSettled(inFlight);
    }
  }

  /** Stops fetching; the batch being written is finished and acked first. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    await this.messages?.close().catch(() => {});
  }

  private async nextBatch(): Promise<Batch> {
    const batch: Batch = { messages: [], lines: [], origins: [] };
    let deadline = Number.POSITIVE_INFINITY;
    while (!this.stopping && batch.lines.length < this.config.batchMaxLines) {
      this.pendingNext ??= this.iterator!.next();
      const wait = deadline - Date.now();
      if (wait <= 0) break;
      // The timer of a wait that lost the race is cancelled, so waits do not pile up.
      const timer = new AbortController();
      const signal = AbortSignal.any([timer.signal, this.stopped.signal]);
      const waits: Promise<IteratorResult<JsMsg> | "timeout" | "stopped">[] = [
        this.pendingNext,
        once(signal),
      ];
      if (Number.isFinite(wait))
        waits.push(sleep(wait, "timeout" as const, { signal }).catch(() => "stopped" as const));
      const next = await Promise.race(waits);
      timer.abort();
      if (next === "timeout" || next === "stopped") break;
      this.pendingNext = undefined;
      if (next.done) {
        this.stopping = true;
        break;
      }
      await this.add(batch, next.value);
      if (batch.messages.length === 1) deadline = Date.now() + this.config.batchMaxDelay;
    }
    if (this.stopping && batch.messages.length > 0 && this.stopped.signal.aborted) {
      // Fetched but not written: hand them back now rather than after the ack wait.
      for (const message of batch.messages) message.nak();
      return { messages: [], lines: [], origins: [] };
    }
    return batch;
  }

  private async add(batch: Batch, message: JsMsg): Promise<void> {
    const { result, first } = this.cache.get(message.seq, () =>
      validateMessage(message.subject, message.data, message.timestampNanos),
    );
    const index = batch.messages.push(message) - 1;
    if (message.redelivered) this.stats.redelivered++;
    for (const line of result.lines) {
      batch.lines.push(line);
      batch.origins.push(index);
    }
    if (first && result.rejected.length > 0) {
      const letters: DeadLetter[] = result.rejected.map((rejected, i) => ({
        subject: message.subject,
        raw: rejected.raw,
        reason: rejected.reason,
        id: `relay-${message.seq}-${i}`,
      }));
      await this.deadLetter(letters);
    }
  }

  private async deliver(batch: Batch): Promise<void> {
    const started = performance.now();
    let outcome =
      batch.lines.length === 0
        ? ({ kind: "stored", refused: [] } as const)
        : await writeLines(this.client, batch.lines);
    if (outcome.kind === "missing-target") {
      this.log.warn(
        { replica: this.client.replica.name, reason: outcome.reason },
        "database or retention policy missing; bootstrapping again",
      );
      await bootstrap(this.client, this.config.influxDb, this.config.retention, this.log);
      outcome = await writeLines(this.client, batch.lines);
    }
    if (outcome.kind === "stored") {
      if (outcome.refused.length > 0) {
        await this.deadLetter(
          outcome.refused.map(({ index, reason }) => {
            const message = batch.messages[batch.origins[index]!]!;
            return {
              subject: message.subject,
              raw: batch.lines[index]!,
              reason,
              id: `relay-${message.seq}-${this.client.replica.name}-${index}`,
              replica: this.client.replica.name,
            };
          }),
        );
      }
      for (const message of batch.messages) message.ack();
      this.stats.pointsWritten += batch.lines.length - outcome.refused.length;
      this.stats.lastWriteSeconds = (performance.now() - started) / 1000;
      this.stats.lastWrittenAtNs = batch.messages.at(-1)!.timestampNanos;
      if (!this.stats.writable)
        this.log.info({ replica: this.client.replica.name }, "replica writable again");
      this.stats.writable = true;
      this.backoffMs = 0;
      return;
    }
    // retry, fatal, or still missing: hand the messages back for later and pause this replica.
    this.stats.errors++;
    this.backoffMs = Math.min(this.config.maxRetryDelay, Math.max(BACKOFF_MIN_MS, this.backoffMs * 2));
    const delay =
      outcome.kind === "fatal"
        ? this.config.maxRetryDelay
        : Math.round(this.backoffMs * (0.5 + Math.random() / 2));
    if (this.stats.writable || outcome.kind === "fatal") {
      const level = outcome.kind === "fatal" ? "error" : "warn";
      this.log[level](
        {
          replica: this.client.replica.name,
          reason: outcome.reason,
          retryInMs: delay,
          messages: batch.messages.length,
        },
        outcome.kind === "fatal"
          ? "replica refuses the relay's credentials or permissions"
          : "write failed; retrying with backoff",
      );
    }
    this.stats.writable = false;
    for (const message of batch.messages) message.nak(delay);
    await sleep(delay, undefined, { signal: this.stopped.signal }).catch(() => {});
  }

  private async deadLetter(letters: DeadLetter[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await publishDeadLetters(this.js, letters);
        this.stats.deadLettered += letters.length;
        return;
      } catch (error) {
        if (attempt >= 5)
          throw new Error(`cannot publish ${letters.length} dead letters: ${(error as Error).message}`);
        await sleep(200 * attempt);
      }
    }
  }
}
