import { LineProtocolError, parseMessage, type RejectedLine, rewriteLine } from "@platform-metrics/sdk";

export interface ValidatedMessage {
  subject: string;
  /** Good lines, with `org` set from the subject and a timestamp on each. */
  lines: string[];
  rejected: RejectedLine[];
  /** The lines joined and encoded, made once for all replicas by messageBody(). */
  body?: Buffer;
}

/** The good lines of a message as one write body part. */
export function messageBody(result: ValidatedMessage): Buffer {
  result.body ??= Buffer.from(result.lines.join("\n"));
  return result.body;
}

const SUBJECT = /^metrics\.([a-z0-9][a-z0-9_-]{0,62})\.([^.\s*>]+)$/;

/**
 * Checks every line of a message and rewrites the good ones: the `org` tag is the org of the subject,
 * whatever the line said (a publisher allowed only `metrics.acme.>` cannot write into another org), and
 * a line without a timestamp gets the message's JetStream time, the same on every replica and every
 * redelivery, so writes stay idempotent.
 */
export function validateMessage(
  subject: string,
  payload: Uint8Array,
  streamTimestampNs: bigint,
): ValidatedMessage {
  const match = SUBJECT.exec(subject);
  if (!match) {
    return {
      subject,
      lines: [],
      rejected: [
        {
          raw: payload,
          reason: `subject ${JSON.stringify(subject)} is not metrics.<org>.<source> with a valid org`,
        },
      ],
    };
  }
  const org = match[1]!;
  const { lines, rejected } = parseMessage(payload);
  const rewritten: string[] = [];
  const tags = { org };
  for (const line of lines) {
    try {
      rewritten.push(rewriteLine(line, { tags, defaultTimestamp: streamTimestampNs }));
    } catch (error) {
      if (!(error instanceof LineProtocolError)) throw error;
      rejected.push({ raw: line.text, reason: error.message });
    }
  }
  return { subject, lines: rewritten, rejected };
}

/**
 * Both replica pipelines of a process read the same messages: the first to reach a message validates
 * it, the other takes the result, so parsing costs once. Bounded by lines held, not by messages: while
 * one replica is far behind (down, catching up) the other must not pile up its results, so the oldest
 * go, and the replica behind validates those again.
 */
export class ValidationCache {
  private readonly entries = new Map<number, { result: ValidatedMessage; uses: number }>();
  private lines = 0;

  constructor(
    private readonly consumers: number,
    private readonly maxLines = 200_000,
  ) {}

  get(streamSeq: number, validate: () => ValidatedMessage): { result: ValidatedMessage; first: boolean } {
    const cached = this.entries.get(streamSeq);
    if (cached) {
      if (++cached.uses >= this.consumers) this.remove(streamSeq, cached.result);
      return { result: cached.result, first: false };
    }
    const result = validate();
    if (this.consumers > 1) {
      this.entries.set(streamSeq, { result, uses: 1 });
      this.lines += result.lines.length + 1;
      while (this.lines > this.maxLines && this.entries.size > 1) {
        const [oldest, entry] = this.entries.entries().next().value!;
        this.remove(oldest, entry.result);
      }
    }
    return { result, first: true };
  }

  private remove(streamSeq: number, result: ValidatedMessage): void {
    if (this.entries.delete(streamSeq)) this.lines -= result.lines.length + 1;
  }
}
