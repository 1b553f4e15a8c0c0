import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { METRICS_STREAM } from "@platform-metrics/sdk/contracts";
import type { InfluxV1Client } from "@platform-metrics/sdk/influx";
import type { Logger } from "@platform-metrics/sdk/service";
import { WriteBackoff } from "./backoff.js";
import { addToBatch, type Batch, batchBody, batchReady, locate, newBatch } from "./batch.js";
import type { RelayConfig } from "./config.js";
import { replicaConsumer } from "./consumer.js";
import {
  type DeadLetter,
  publishDeadLettersWithRetry,
  refusedLetters,
  rejectedLetters,
} from "./dead-letter.js";
import { bootstrap } from "./influx/bootstrap.js";
import { writeBatch } from "./influx/write-batch.js";
import type { WriteOutcome } from "./influx/write-lines.js";
import { Puller } from "./puller.js";
import type { StreamMessage } from "./stream-message.js";
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

const WRITES_IN_FLIGHT = 2;
// One pull request waits this long on the server; an idle replica asks again after it.
const PULL_EXPIRES_MS = 10_000;

/**
 * Moves the stream into one replica: pull -> validate -> batch -> write -> ack. Messages are acked only
 * after the replica took their lines; a failed write naks them with a capped, jittered backoff and
 * pauses this replica only, so a slow or dead replica never holds back another.
 *
 * Batching is a group commit (batch.ts), two writes in flight. Waits are one promise per wake-up and
 * one timer per batch, never per message, so many one-line messages batch as cheaply as few large ones.
 * What InfluxDB's answers mean is in influx/ (write-lines.ts), what is refused goes to dead-letter.ts.
 */
export class ReplicaPipeline {
  readonly stats: ReplicaStats;
  private puller: Puller | undefined;
  private readonly backoff: WriteBackoff;
  private pausedUntil = 0;
  private pauseTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private waiter: (() => void) | undefined;
  private woken = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly client: InfluxV1Client,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly cache: ValidationCache,
    private readonly config: RelayConfig,
    private readonly log: Logger,
  ) {
    this.stats = {
      replica: client.replica.name,
      // Not until its bootstrap has talked to the replica: /readyz must not say ready on a replica
      // nobody has asked yet (with wrong credentials it said 200 until the second replica's bootstrap).
      writable: false,
      pointsWritten: 0,
      deadLettered: 0,
      errors: 0,
      lastWriteSeconds: 0,
      redelivered: 0,
      lastWrittenAtNs: undefined,
    };
    this.backoff = new WriteBackoff(config.maxRetryDelay);
  }

  get consumerName(): string {
    return `relay-${this.client.replica.name}`;
  }

  async run(): Promise<void> {
    await replicaConsumer(
      this.jsm,
      this.client.replica.name,
      {
        maxAckPending: this.config.maxAckPending,
        ackWaitMs: this.config.ackWait,
      },
      this.log,
    );
    const boot = await bootstrap(
      this.client,
      this.config.influxDb,
      this.config.retention,
      this.log,
      this.config.influxRp,
    );
    // Unreachable or refusing the credentials at start: not writable until a write succeeds. Not
    // permitted (a write-only user) may still write, so it counts as writable until a write says otherwise.
    this.stats.writable = boot === "ready" || boot === "not-permitted";
    if (this.stopping) return;
    const puller = new Puller(
      this.nc,
      {
        stream: METRICS_STREAM,
        consumer: this.consumerName,
        maxMessages: this.config.prefetchMessages,
        maxBytes: this.config.prefetchBytes,
        expiresMs: PULL_EXPIRES_MS,
        log: this.log,
      },
      this.wake,
    );
    this.puller = puller;
    let batch = newBatch();
    let timer: NodeJS.Timeout | undefined;
    try {
      while (!this.stopping) {
        if (puller.failure) throw puller.failure;
        const now = performance.now();
        if (this.pausedUntil > now) {
          // Paused after a failed write: what was gathered goes back with the rest (see Puller.pause).
          this.handBack(batch, this.pausedUntil - now);
          batch = newBatch();
          this.wakeAfterPause();
        } else {
          while (batch.lineCount < this.config.batchMaxLines) {
            const message = puller.take();
            if (!message) break;
            this.add(batch, message, now);
          }
        }
        const limits = {
          maxLines: this.config.batchMaxLines,
          maxDelayMs: this.config.batchMaxDelay,
          maxInFlight: WRITES_IN_FLIGHT,
        };
        if (batchReady(batch, this.inFlight.size, limits, now)) {
          clearTimeout(timer);
          timer = undefined;
          this.startDelivery(batch);
          batch = newBatch();
          continue;
        }
        if (batch.messages.length > 0 && timer === undefined) {
          const wait = Math.max(0, batch.openedAt + this.config.batchMaxDelay - now);
          timer = setTimeout(() => {
            timer = undefined;
            this.wake();
          }, wait);
        }
        await this.sleepUntilWoken();
      }
    } finally {
      clearTimeout(timer);
      clearTimeout(this.pauseTimer);
      this.pauseTimer = undefined;
      // Stop fetching first; then the writes in flight finish and ack; what was not written goes back.
      await puller.close();
      this.handBack(batch, 0);
      await Promise.allSettled(this.inFlight);
      this.puller = undefined;
    }
  }

  /** Stops fetching; the writes in flight are finished and acked first. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
  }

  private readonly wake = (): void => {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter();
    } else this.woken = true;
  };

  private sleepUntilWoken(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private handBack(batch: Batch, delayMs: number): void {
    for (const message of batch.messages) message.nak(delayMs);
    batch.messages.length = 0;
  }

  private startDelivery(batch: Batch): void {
    const delivery: Promise<void> = this.deliver(batch)
      .catch((error: Error) => {
        // Not a write failure (those are handled inside): hand the messages back and go on.
        this.stats.errors++;
        this.log.error({ replica: this.client.replica.name, err: error.message }, "delivery failed");
        this.pause(1000);
        for (const message of batch.messages) message.nak(1000);
      })
      .finally(() => {
        this.inFlight.delete(delivery);
        this.wake();
      });
    this.inFlight.add(delivery);
  }

  private add(batch: Batch, message: StreamMessage, now: number): void {
    const { result, first } = this.cache.get(message.seq, () =>
      validateMessage(message.subject, message.data, () => message.timestampNs),
    );
    addToBatch(batch, message, result, now);
    if (message.redelivered) this.stats.redelivered++;
    if (first && result.rejected.length > 0) {
      const published = this.deadLetter(rejectedLetters(message, result));
      // Awaited in deliver(); marked handled here in case the batch is handed back unwritten.
      published.catch(() => {});
      batch.deadLetters.push(published);
    }
  }

  private pause(delayMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, performance.now() + delayMs);
    this.puller?.pause(delayMs);
    clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    this.wakeAfterPause();
  }

  /** One timer per pause; a timer may fire a little before the clock says it is over, hence the +1. */
  private wakeAfterPause(): void {
    if (this.pauseTimer) return;
    this.pauseTimer = setTimeout(
      () => {
        this.pauseTimer = undefined;
        this.wake();
      },
      Math.max(0, this.pausedUntil - performance.now()) + 1,
    );
    this.pauseTimer.unref();
  }

  private async deliver(batch: Batch): Promise<void> {
    const started = performance.now();
    // Lines by number across the batch, built only when InfluxDB refused some of them.
    let lines: string[] | undefined;
    const allLines = () => {
      lines ??= batch.results.flatMap((result) => result.lines);
      return lines;
    };
    const outcome: WriteOutcome =
      batch.lineCount === 0
        ? { kind: "stored", refused: [] }
        : await writeBatch(this.client, batchBody(batch), allLines, this.config, this.log);
    if (outcome.kind === "stored") {
      await Promise.all(batch.deadLetters);
      if (outcome.refused.length > 0) {
        await this.deadLetter(
          refusedLetters(
            outcome.refused,
            batch.messages,
            locate(batch),
            allLines(),
            this.client.replica.name,
          ),
        );
      }
      for (const message of batch.messages) message.ack();
      this.log.debug(
        {
          replica: this.client.replica.name,
          lines: batch.lineCount,
          ms: Math.round(performance.now() - started),
          buffered: this.puller?.buffered,
        },
        "batch written",
      );
      this.stats.pointsWritten += batch.lineCount - outcome.refused.length;
      this.stats.lastWriteSeconds = (performance.now() - started) / 1000;
      this.stats.lastWrittenAtNs = batch.messages.at(-1)!.timestampNs;
      if (!this.stats.writable)
        this.log.info({ replica: this.client.replica.name }, "replica writable again");
      this.stats.writable = true;
      this.backoff.reset();
      return;
    }
    // retry, fatal, or still missing: hand the messages back for later and pause this replica.
    this.stats.errors++;
    const delay = this.backoff.next(outcome.kind);
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
    this.pause(delay);
  }

  private async deadLetter(letters: DeadLetter[]): Promise<void> {
    await publishDeadLettersWithRetry(this.js, letters, () => this.stopping);
    this.stats.deadLettered += letters.length;
  }
}
