import type { Msg } from "@nats-io/transport-node";

const ACK = new TextEncoder().encode("+ACK");
const NAK = new TextEncoder().encode("-NAK");

/**
 * A message delivered by a pull consumer, with what the relay needs read once from its ack subject.
 * Smaller than the client's JsMsg, which parses the ack subject again on every property read.
 */
export class StreamMessage {
  private answered = false;

  constructor(
    private readonly msg: Msg,
    readonly seq: number,
    readonly deliveryCount: number,
    private readonly timeText: string,
    /** Bytes the server counts against a pull request's max_bytes. */
    readonly size: number,
  ) {}

  /** When the stream stored it, nanoseconds since the epoch: the same on every delivery. */
  get timestampNs(): bigint {
    return BigInt(this.timeText);
  }

  get subject(): string {
    return this.msg.subject;
  }

  get data(): Uint8Array {
    return this.msg.data;
  }

  get redelivered(): boolean {
    return this.deliveryCount > 1;
  }

  ack(): void {
    this.answer(ACK);
  }

  /** Hands the message back; with a delay the server redelivers it no sooner. */
  nak(delayMs?: number): void {
    this.answer(
      delayMs && delayMs > 0
        ? new TextEncoder().encode(`-NAK ${JSON.stringify({ delay: Math.round(delayMs) * 1_000_000 })}`)
        : NAK,
    );
  }

  private answer(payload: Uint8Array): void {
    if (this.answered) return;
    this.answered = true;
    this.msg.respond(payload);
  }
}

/**
 * Reads a JetStream delivery; undefined when the reply is not a JetStream ack subject. Both forms:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>` and the newer
 * one with domain and account hash after `$JS.ACK` and a random token at the end.
 */
export function toStreamMessage(msg: Msg): StreamMessage | undefined {
  const reply = msg.reply;
  if (!reply?.startsWith("$JS.ACK.")) return undefined;
  const tokens = reply.split(".");
  const at = tokens.length === 9 ? 4 : tokens.length >= 12 ? 6 : -1;
  if (at < 0) return undefined;
  const deliveryCount = Number(tokens[at]);
  const seq = Number(tokens[at + 1]);
  const time = tokens[at + 3]!;
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(deliveryCount) || !/^\d+$/.test(time))
    return undefined;
  // What the server counts against max_bytes: subject, reply, headers and payload (the client's
  // message knows its wire size; the fallback leaves out headers, which relay messages rarely have).
  const wire = (msg as { size?: () => number }).size?.();
  const size = typeof wire === "number" ? wire : msg.subject.length + reply.length + msg.data.length;
  return new StreamMessage(msg, seq, deliveryCount, time, size);
}
