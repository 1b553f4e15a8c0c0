import { EventEmitter, once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { metricsSubject } from "../contracts/subjects.js";
import type { BatchQueue } from "./batch.js";
import { Batcher } from "./batcher.js";
import type { LineChunk } from "./line-chunk.js";
import type { FlushResult, Sink, SinkStats } from "./sink.js";
import { publishToStream, StreamMissingError } from "./stream-publish.js";

export interface NatsSinkOptions {
  servers: string[];
  user?: string;
  password?: string;
  token?: string;
  /** Connection name shown by `nats server report connections`. */
  name: string;
  source: string;
  queue: BatchQueue;
  batchMaxLines: number;
  batchMaxDelayMs: number;
  publishTimeoutMs: number;
  log: Logger;
}

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 2000;
const STILL_FAILING_LOG_MS = 30_000;

/**
 * Publishes batches to JetStream in order, one at a time, each with its id as `Nats-Msg-Id` and
 * awaiting the stream's ack. Whatever cannot go out (NATS down, no stream yet, refused) waits in the
 * bounded queue and is retried with backoff; the NATS client reconnects by itself.
 */
export class NatsSink implements Sink {
  private readonly batcher: Batcher;
  private readonly events = new EventEmitter();
  /** `metrics.<org>.<source>` by org, so a round's writes do not build the same string again. */
  private readonly subjects = new Map<string, string>();
  private nc: NatsConnection | undefined;
  /** The attempt to connect under way: started at once, so a wrong PM_NATS_URL shows at start. */
  private connecting: Promise<NatsConnection | undefined> | undefined;
  private connected = false;
  private closed = false;
  private loop: Promise<void>;
  private written = 0;
  private dropped = 0;
  private errors = 0;
  private failingSince: number | undefined;
  private lastFailureLog = 0;
  private lastPublishOk = true;
  private lastError: Error | undefined;

  constructor(private readonly options: NatsSinkOptions) {
    this.batcher = new Batcher(
      { maxLines: options.batchMaxLines, maxDelayMs: options.batchMaxDelayMs },
      (batch) => {
        this.options.queue.push(batch).then(
          () => this.events.emit("work"),
          (error: Error) =>
            options.log.error({ err: error }, "could not buffer a batch; its points are lost"),
        );
      },
    );
    this.events.setMaxListeners(0);
    void this.connection();
    this.loop = this.run();
  }

  /** Called by the queue when it is full and drops its oldest batch. */
  recordDrop(lines: number): void {
    this.dropped += lines;
    this.options.log.warn(
      { droppedPoints: lines, totalDropped: this.dropped },
      "publish buffer full: dropped the oldest batch (raise PM_BUFFER_MAX_BATCHES / PM_BUFFER_MAX_BYTES or fix NATS)",
    );
  }

  write(org: string, lines: readonly string[]): void {
    if (lines.length > 0) this.batcher.add(this.subject(org), lines);
  }

  writeChunk(org: string, chunk: LineChunk): void {
    if (chunk.ends.length > 0) this.batcher.addChunk(this.subject(org), chunk);
  }

  async flush(timeoutMs: number): Promise<FlushResult> {
    this.batcher.sealAll();
    // The end of a round: send what is open, wait for nothing. (Queues take a batch synchronously.)
    if (timeoutMs <= 0) return { pendingPoints: this.options.queue.points };
    const deadline = Date.now() + timeoutMs;
    // Let pushes of the batches just sealed land before looking at the queue.
    await sleep(0);
    while (this.options.queue.batches > 0 && Date.now() < deadline) {
      await Promise.race([
        once(this.events, "delivered"),
        sleep(Math.min(100, Math.max(1, deadline - Date.now()))),
      ]);
    }
    return { pendingPoints: this.options.queue.points };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.events.emit("work");
    this.events.emit("closing");
    await this.loop;
    await this.connecting;
    await this.nc?.close().catch(() => {});
  }

  private subject(org: string): string {
    let subject = this.subjects.get(org);
    if (subject === undefined) {
      subject = metricsSubject(org, this.options.source);
      if (this.subjects.size >= 1000) this.subjects.clear();
      this.subjects.set(org, subject);
    }
    return subject;
  }

  stats(): SinkStats {
    return {
      pointsWritten: this.written,
      pointsDropped: this.dropped,
      batchesBuffered: this.options.queue.batches,
      pointsBuffered: this.options.queue.points,
      publishErrors: this.errors,
    };
  }

  ready(): boolean {
    return this.connected && this.lastPublishOk;
  }

  notReadyReason(): string {
    if (!this.connected) return "NATS unreachable";
    if (this.lastError instanceof StreamMissingError)
      return `connected to NATS, but no METRICS stream stores ${this.lastError.subject}`;
    return `connected to NATS, but publishing fails: ${this.lastError?.message ?? "unknown error"}`;
  }

  private async run(): Promise<void> {
    let backoff = BACKOFF_MIN_MS;
    while (!this.closed) {
      const batch = await this.options.queue.peek();
      if (!batch) {
        await once(this.events, "work");
        continue;
      }
      const nc = await this.connection();
      if (!nc) break; // closed before a connection was made
      try {
        const ack = await publishToStream(
          nc,
          batch.subject,
          batch.payload,
          batch.id,
          this.options.publishTimeoutMs,
        );
        await this.options.queue.shift();
        this.written += batch.lines;
        if (ack.duplicate)
          this.options.log.debug({ id: batch.id }, "batch was already stored (retried publish)");
        this.recovered();
        backoff = BACKOFF_MIN_MS;
        this.events.emit("delivered");
      } catch (error) {
        this.errors++;
        this.failed(error as Error);
        await Promise.race([sleep(backoff * (0.5 + Math.random() / 2)), once(this.events, "closing")]);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      }
    }
  }

  /** The connection, once there is one; undefined when the sink was closed first. */
  private connection(): Promise<NatsConnection | undefined> {
    if (this.nc) return Promise.resolve(this.nc);
    this.connecting ??= this.connectUntilConnected().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /**
   * Tries until connected or closed. The first failure is logged at once (a wrong PM_NATS_URL or
   * credentials), then every 30 s while it lasts; points buffer meanwhile, as in an outage.
   */
  private async connectUntilConnected(): Promise<NatsConnection | undefined> {
    let backoff = BACKOFF_MIN_MS;
    let failingSince: number | undefined;
    let lastLog = 0;
    while (!this.closed) {
      try {
        const nc = await this.connect();
        return this.closed ? undefined : nc;
      } catch (error) {
        const now = Date.now();
        const context = { err: (error as Error).message, servers: this.options.servers };
        if (failingSince === undefined) {
          failingSince = lastLog = now;
          this.options.log.error(context, "cannot connect to NATS; buffering points and retrying");
        } else if (now - lastLog >= STILL_FAILING_LOG_MS) {
          lastLog = now;
          this.options.log.warn(
            { ...context, failingForMs: now - failingSince },
            "still cannot connect to NATS",
          );
        }
        await Promise.race([sleep(backoff * (0.5 + Math.random() / 2)), once(this.events, "closing")]);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      }
    }
    return undefined;
  }

  private async connect(): Promise<NatsConnection> {
    const { servers, user, password, token, name } = this.options;
    const nc = await connect({
      servers,
      name,
      user,
      pass: password,
      token,
      timeout: 2000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
    if (this.closed) {
      // The sink was closed while this connection was made: nothing will use it.
      await nc.close().catch(() => {});
      return nc;
    }
    this.nc = nc;
    this.connected = true;
    this.options.log.info({ server: nc.getServer() }, "connected to NATS");
    void this.watchStatus(nc);
    // A connection closed for good (e.g. refused credentials) is replaced by a new one on the next try.
    void nc.closed().then((error) => {
      if (this.nc !== nc) return;
      this.nc = undefined;
      this.connected = false;
      if (this.closed) return;
      this.options.log.warn({ err: error?.message }, "NATS connection closed; will reconnect");
      void this.connection();
    });
    return nc;
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") {
        this.connected = false;
        this.options.log.warn({ server: status.server }, "disconnected from NATS; buffering");
      } else if (status.type === "reconnect") {
        this.connected = true;
        this.options.log.info({ server: status.server }, "reconnected to NATS");
      }
    }
  }

  private failed(error: Error): void {
    this.lastPublishOk = false;
    this.lastError = error;
    const now = Date.now();
    const context = {
      err: error.message,
      batchesBuffered: this.options.queue.batches,
      pointsBuffered: this.options.queue.points,
    };
    if (this.failingSince === undefined) {
      this.failingSince = now;
      this.lastFailureLog = now;
      this.options.log.warn(context, "cannot publish to JetStream; buffering and retrying");
    } else if (now - this.lastFailureLog >= STILL_FAILING_LOG_MS) {
      this.lastFailureLog = now;
      this.options.log.warn(
        { ...context, failingForMs: now - this.failingSince },
        "still cannot publish to JetStream",
      );
    }
  }

  private recovered(): void {
    this.lastPublishOk = true;
    if (this.failingSince === undefined) return;
    this.options.log.info(
      { failedForMs: Date.now() - this.failingSince, errors: this.errors },
      "publishing to JetStream again",
    );
    this.failingSince = undefined;
  }
}
