import { createInbox, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import type { Logger } from "@platform-metrics/sdk/service";
import { RELAY_INBOX_PREFIX } from "./inbox.js";
import { type StreamMessage, toStreamMessage } from "./stream-message.js";

export interface PullerOptions {
  stream: string;
  consumer: string;
  /** Most messages fetched but not yet taken. */
  maxMessages: number;
  /** Most bytes fetched but not yet taken (raised to fit two of the largest messages the server allows). */
  maxBytes: number;
  /** How long one pull request waits on the server for messages. */
  expiresMs: number;
  log: Logger;
}

interface OpenRequest {
  reply: string;
  messagesLeft: number;
  delivered: number;
  guard: NodeJS.Timeout;
}

// Room for subject, reply and headers beside the largest payload the server accepts.
const ENVELOPE_BYTES = 64 * 1024;
// A request the server ended early (not a plain expiry) with nothing in it is not repeated at once.
const RETRY_AFTER_MS = 1000;

/**
 * Pulls from one durable consumer, bounded by messages AND bytes: with a bound by messages only, two
 * consumers on one connection asked for ~75 MB of 150 KB messages at once, the server cut the
 * connection off as a slow consumer, and what it had sent waited for the ack wait. One request is open
 * at a time, asking for what the buffer has room for, so no two requests' ends can be confused (the
 * server ends each by delivering its batch, or with a 408/409 status on its own reply subject); the
 * next goes out as soon as it ends. `onReady` is called when messages arrive, and on failure.
 */
export class Puller {
  private readonly queue: StreamMessage[] = [];
  private head = 0;
  private bufferedBytes = 0;
  private readonly inbox = createInbox(RELAY_INBOX_PREFIX);
  private readonly sub: Subscription;
  private readonly minBytes: number;
  private readonly maxBytes: number;
  private request: OpenRequest | undefined;
  private requests = 0;
  private closed = false;
  private pausedUntil = 0;
  private wakeTimer: NodeJS.Timeout | undefined;
  // The client's iterator has stop(), though its type does not say so.
  private readonly statusEvents: AsyncIterable<{ type: string }> & { stop?: () => void };
  private readonly statusLoop: Promise<void>;
  /** Set when the consumer is gone or JetStream refuses: the owner restarts the pipeline. */
  failure: Error | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: PullerOptions,
    private readonly onReady: () => void,
  ) {
    const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
    this.minBytes = maxPayload + ENVELOPE_BYTES;
    this.maxBytes = Math.max(options.maxBytes, 2 * this.minBytes);
    this.sub = nc.subscribe(`${this.inbox}.*`, { callback: (error, msg) => this.receive(error, msg) });
    this.statusEvents = nc.status();
    this.statusLoop = this.watchConnection();
    this.pull();
  }

  /** Messages fetched and not yet taken. */
  get buffered(): number {
    return this.queue.length - this.head;
  }

  take(): StreamMessage | undefined {
    if (this.head >= this.queue.length) return undefined;
    const message = this.queue[this.head]!;
    this.queue[this.head++] = undefined as unknown as StreamMessage;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.bufferedBytes -= message.size;
    this.pull();
    return message;
  }

  /**
   * Stops pulling for `delayMs` and hands back what is buffered (and what still arrives meanwhile) to
   * be redelivered after it, so a failing replica is paused, not spun on, and holds nothing.
   */
  pause(delayMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + delayMs);
    this.handBack(delayMs);
    clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => this.pull(), delayMs);
  }

  /** Stops pulling and hands back what was fetched but not taken. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.wakeTimer);
    if (this.request) clearTimeout(this.request.guard);
    this.request = undefined;
    this.handBack(0);
    this.sub.unsubscribe();
    this.statusEvents.stop?.();
    await this.statusLoop.catch(() => {});
  }

  private handBack(delayMs: number): void {
    for (let message = this.take(); message; message = this.take()) message.nak(delayMs);
  }

  private pull(): void {
    if (this.closed || this.request || this.failure) return;
    const wait = this.pausedUntil - Date.now();
    if (wait > 0) {
      // A timer may fire a little before the clock says the pause is over: look again then.
      clearTimeout(this.wakeTimer);
      this.wakeTimer = setTimeout(() => this.pull(), wait + 1);
      return;
    }
    const messages = this.options.maxMessages - this.buffered;
    const bytes = this.maxBytes - this.bufferedBytes;
    // Wait for room for a useful request: a quarter of the messages, and bytes for the largest message
    // (a request with less room than the next message would end at once with nothing).
    if (messages < Math.max(1, Math.floor(this.options.maxMessages / 4)) || bytes < this.minBytes) return;
    const reply = `${this.inbox}.${++this.requests}`;
    this.request = {
      reply,
      messagesLeft: messages,
      delivered: 0,
      // The server ends every request by its expiry at the latest; one lost with a connection is given
      // up a little later and replaced.
      guard: setTimeout(() => this.endRequest(reply, true), this.options.expiresMs + 5000),
    };
    this.options.log.debug(
      { consumer: this.options.consumer, request: this.requests, batch: messages, maxBytes: bytes },
      "pull request sent",
    );
    this.nc.publish(
      `$JS.API.CONSUMER.MSG.NEXT.${this.options.stream}.${this.options.consumer}`,
      JSON.stringify({ batch: messages, max_bytes: bytes, expires: this.options.expiresMs * 1_000_000 }),
      { reply },
    );
  }

  private endRequest(reply: string, retryLater: boolean): void {
    if (this.request?.reply !== reply) return;
    this.options.log.debug(
      { consumer: this.options.consumer, reply, delivered: this.request.delivered, retryLater },
      "pull request ended",
    );
    clearTimeout(this.request.guard);
    this.request = undefined;
    if (!retryLater) {
      this.pull();
      return;
    }
    clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => this.pull(), RETRY_AFTER_MS);
  }

  private receive(error: Error | null, msg: Msg): void {
    if (error) {
      this.fail(error);
      return;
    }
    if (this.closed) {
      if (!msg.subject.startsWith(this.inbox)) toStreamMessage(msg)?.nak();
      return;
    }
    if (msg.subject.startsWith(this.inbox)) {
      this.status(msg);
      return;
    }
    const message = toStreamMessage(msg);
    if (!message) {
      this.options.log.warn({ subject: msg.subject }, "not a JetStream delivery; ignored");
      return;
    }
    if (this.pausedUntil > Date.now()) {
      message.nak(this.pausedUntil - Date.now());
    } else {
      this.queue.push(message);
      this.bufferedBytes += message.size;
    }
    const request = this.request;
    if (request) {
      request.delivered++;
      // A request that delivered its whole batch ends without a status.
      if (--request.messagesLeft <= 0) this.endRequest(request.reply, false);
    }
    this.onReady();
  }

  private status(msg: Msg): void {
    const code = msg.headers?.code ?? 0;
    const description = msg.headers?.description ?? "";
    if (code === 100) return; // idle heartbeat
    this.options.log.debug(
      { consumer: this.options.consumer, reply: msg.subject, code, description },
      "pull status",
    );
    const request = this.request;
    // A status of a request given up on: its end was already handled.
    if (request?.reply !== msg.subject) return;
    if (code === 408 || (code === 409 && /max ?bytes/i.test(description))) {
      // Expired, or the next message did not fit what was left of max_bytes: the normal ends.
      this.endRequest(request.reply, code === 409 && request.delivered === 0);
      return;
    }
    if ((code === 409 && /consumer deleted/i.test(description)) || code === 503 || code === 400) {
      this.fail(new Error(`pull from ${this.options.consumer}: ${code} ${description}`.trim()));
      return;
    }
    this.options.log.debug({ consumer: this.options.consumer, code, description }, "pull request ended");
    this.endRequest(request.reply, request.delivered === 0);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    if (this.request) clearTimeout(this.request.guard);
    this.request = undefined;
    this.onReady();
  }

  /** After a reconnect the open request may be gone with the old connection: ask again. */
  private async watchConnection(): Promise<void> {
    for await (const event of this.statusEvents) {
      if (this.closed) return;
      if (event.type === "reconnect") {
        if (this.request) clearTimeout(this.request.guard);
        this.request = undefined;
        this.pull();
      }
    }
  }
}
