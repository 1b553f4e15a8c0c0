import { parseMetricsSubject, RESERVED_TAGS } from "@platform-metrics/sdk/contracts";
import {
  LineProtocolError,
  type ParsedLine,
  parseMessage,
  type RejectedLine,
  rewriteLine,
} from "@platform-metrics/sdk/line-protocol";

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

/**
 * Checks every line of a message and rewrites the good ones: the `org` tag is the org of the subject,
 * whatever the line said (a publisher allowed only `metrics.acme.>` cannot write into another org), and
 * a line without a timestamp gets the message's JetStream time, the same on every replica and every
 * redelivery, so writes stay idempotent.
 */
export function validateMessage(
  subject: string,
  payload: Uint8Array,
  /** The message's JetStream time, or how to get it: only lines without a timestamp need it. */
  streamTimestampNs: bigint | (() => bigint),
): ValidatedMessage {
  const parsed = parseMetricsSubject(subject);
  if (!parsed) {
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
  const org = parsed.org;
  const { lines, rejected } = parseMessage(payload, ORG_KEY);
  const rewritten: string[] = [];
  const tags = { org };
  const orgTag = `,org=${org}`;
  // While every line is already what the rewrite would make of it, the message itself is the body.
  let asSent = rejected.length === 0;
  let chars = 0;
  for (const line of lines) {
    const reserved = reservedFieldKey(line);
    if (reserved !== undefined) {
      asSent = false;
      rejected.push({
        raw: line.text,
        reason: `field key ${JSON.stringify(reserved)} is not allowed: ${RESERVED_TAGS.join(", ")} are tags the platform sets, and a field of that name would be read in place of the tag`,
      });
      continue;
    }
    if (asSent && alreadyRewritten(line, orgTag)) {
      chars += line.lineEnd - line.lineStart;
      rewritten.push(line.text);
      continue;
    }
    asSent = false;
    const inserted = withOrgInserted(line, orgTag);
    if (inserted !== undefined) {
      rewritten.push(inserted);
      continue;
    }
    try {
      const defaultTimestamp =
        line.timestampText !== undefined
          ? undefined
          : typeof streamTimestampNs === "bigint"
            ? streamTimestampNs
            : streamTimestampNs();
      rewritten.push(rewriteLine(line, { tags, defaultTimestamp }));
    } catch (error) {
      if (!(error instanceof LineProtocolError)) throw error;
      rejected.push({ raw: line.text, reason: error.message });
    }
  }
  const result: ValidatedMessage = { subject, lines: rewritten, rejected };
  // Bytes equal to the lines' characters plus one newline between lines (and one at the end, when the
  // last byte is one): the payload is plain ASCII without blank lines, comments or carriage returns,
  // so it is exactly the lines joined by "\n". (Any other byte, or a multi-byte character, adds one.)
  const joined = chars + rewritten.length - 1;
  const trailingNewline = payload.length === joined + 1 && payload[joined] === 10;
  if (asSent && rewritten.length > 0 && (payload.length === joined || trailingNewline))
    result.body = Buffer.from(payload.buffer, payload.byteOffset, joined);
  return result;
}

const COMMA = 44;
const ORG_KEY = { tagKey: "org" };
const RESERVED_KEYS = RESERVED_TAGS.map((tag) => `${tag}=`);
const RESERVED_FIRST = new Uint8Array(128);
for (const tag of RESERVED_TAGS) RESERVED_FIRST[tag.charCodeAt(0)] = 1;

/**
 * The reserved tag (org, source, cluster) that the line uses as a field key, if any. In InfluxQL a
 * field shadows the tag of the same name, so one tenant's field `org` would break every org's
 * scoping. Looks only where a field key can start (the section start and after each comma, found with
 * indexOf: this runs on every line); a hit is confirmed on the decoded fields, since a comma may sit
 * inside a string value or an escaped key.
 */
function reservedFieldKey(line: ParsedLine): string | undefined {
  const text = line.source;
  const end = line.fieldsEnd;
  for (let at = line.fieldsStart; at < end; ) {
    if (RESERVED_FIRST[text.charCodeAt(at)] === 1) {
      for (const key of RESERVED_KEYS) {
        if (text.startsWith(key, at)) return RESERVED_TAGS.find((tag) => Object.hasOwn(line.fields, tag));
      }
    }
    const comma = text.indexOf(",", at);
    if (comma === -1) break;
    at = comma + 1;
  }
  return undefined;
}

/**
 * Whether rewriteLine would return the line unchanged: it has its own timestamp, exactly one `org`
 * tag with the subject's org, and single spaces between its sections. Checked on the parser's exact
 * section offsets in the message text (no slices, no search), so a line that passes is byte for
 * byte the rewritten one, without building it; anything unusual (other spacing, leading blanks, an
 * org with more after it) takes the full rewrite.
 */
function alreadyRewritten(line: ParsedLine, orgTag: string): boolean {
  if (line.timeStart === -1) return false;
  const text = line.source;
  const start = line.seriesStart;
  const end = line.seriesEnd;
  // The parser found the one tag keyed `org` (keys are unique in a line); its value must be exactly
  // the subject's org: what follows it is the next tag's comma or the series end.
  const at = line.tagStart;
  const after = at + orgTag.length;
  if (at === -1 || after > end || !text.startsWith(orgTag, at)) return false;
  if (after !== end && text.charCodeAt(after) !== COMMA) return false;
  return (
    line.lineStart === start &&
    line.fieldsStart === end + 1 &&
    line.timeStart === line.fieldsEnd + 1 &&
    line.timeEnd === line.lineEnd
  );
}

/**
 * rewriteLine's result for the common line without an `org` tag (Telegraf's), built from two slices at
 * the place the parser found for the tag (tagInsertAt, in key order): the line has its own timestamp
 * and single spaces between its sections. (The org needs no escaping: the subject allows only
 * [a-z0-9_-].) Undefined for any other line, which takes rewriteLine.
 */
function withOrgInserted(line: ParsedLine, orgTag: string): string | undefined {
  const at = line.tagInsertAt;
  if (line.tagStart !== -1 || at === -1 || line.timeStart === -1) return undefined;
  if (line.fieldsStart !== line.seriesEnd + 1 || line.timeStart !== line.fieldsEnd + 1) return undefined;
  const text = line.source;
  return text.slice(line.seriesStart, at) + orgTag + text.slice(at, line.timeEnd);
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
