/**
 * Reads a whole NATS message: splits it into lines and parses each one strictly.
 *
 *   parseMessage(payload, { maxLineBytes }) -> { lines, rejected }
 *
 * `lines` are the good lines in message order; `rejected` the others, each with its reason and its
 * text, or its raw bytes when it is not valid UTF-8 or too long, so it can be dead-lettered unchanged.
 * One bad line never costs the good lines around it. Line rules are those of splitMessage and parseLine.
 */
import { Buffer, isAscii, isUtf8 } from "node:buffer";
import { DEFAULT_MAX_LINE_BYTES } from "./limits.js";
import { lineFromSections, type ParsedLine, parseRange } from "./parse.js";
import { scanLineBytes, scanned } from "./scan-bytes.js";
import { lineRanges, type SplitOptions, splitMessage } from "./split.js";
import { LineProtocolError } from "./types.js";

export interface RejectedLine {
  raw: Uint8Array | string;
  reason: string;
}

export interface ParsedMessage {
  lines: ParsedLine[];
  rejected: RejectedLine[];
}

export interface MessageOptions extends SplitOptions {
  /** A tag key to locate in every line: see ParsedLine.tagStart. */
  tagKey?: string;
}

export function parseMessage(payload: Uint8Array, options?: MessageOptions): ParsedMessage {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  // What collectors and Telegraf send is nearly always plain ASCII: then latin1 decoding (a copy) gives
  // the same text as UTF-8 decoding, with byte offsets equal to string offsets, so the lines are
  // validated on the bytes (scan-bytes.ts) and only a line it does not accept goes through parseRange.
  if (payload.byteLength > 0 && isAscii(bytes)) return parseAscii(bytes, options);
  return parseGeneral(payload, options);
}

/** Node's EXTERN_APEX (0xFBEE9) rounded down. */
const EXTERNAL_STRING_BYTES = 1_000_000;

function parseAscii(bytes: Buffer, options: MessageOptions | undefined): ParsedMessage {
  const maxLineBytes = options?.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const tagKey = options?.tagKey;
  const lines: ParsedLine[] = [];
  const rejected: RejectedLine[] = [];
  // Node makes a latin1 string of 1 MB or more an external string, whose memory counts as external
  // and brings on full garbage collections; UTF-8 decoding gives the same text on the heap.
  const text = bytes.byteLength < EXTERNAL_STRING_BYTES ? bytes.toString("latin1") : bytes.toString("utf8");
  const ranges = lineRanges(text);
  if (ranges.length === 0) return parseGeneral(bytes, options);
  for (let k = 0; k < ranges.length; k += 2) {
    const start = ranges[k]!;
    const end = ranges[k + 1]!;
    if (scanLineBytes(bytes, start, end, maxLineBytes, tagKey)) {
      lines.push(lineFromSections(text, start, end, scanned));
      continue;
    }
    try {
      lines.push(parseRange(text, start, end, maxLineBytes, tagKey));
    } catch (error) {
      if (!(error instanceof LineProtocolError)) throw error;
      rejected.push({ raw: text.slice(start, end), reason: error.message });
    }
  }
  return { lines, rejected };
}

/**
 * Any message: UTF-8 decoded and parsed line by line with parseRange. Exported for the tests that
 * compare the ASCII fast path with it.
 */
export function parseGeneral(payload: Uint8Array, options?: MessageOptions): ParsedMessage {
  const maxLineBytes = options?.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const tagKey = options?.tagKey;
  const lines: ParsedLine[] = [];
  const rejected: RejectedLine[] = [];
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (payload.byteLength > 0 && isUtf8(bytes)) {
    // The common case: decode once and parse each line in place.
    const text = bytes.toString("utf8");
    const ranges = lineRanges(text);
    for (let k = 0; k < ranges.length; k += 2) {
      const start = ranges[k]!;
      const end = ranges[k + 1]!;
      try {
        lines.push(parseRange(text, start, end, maxLineBytes, tagKey));
      } catch (error) {
        if (!(error instanceof LineProtocolError)) throw error;
        rejected.push({ raw: text.slice(start, end), reason: error.message });
      }
    }
    if (ranges.length > 0) return { lines, rejected };
  }
  for (const entry of splitMessage(payload, options)) {
    if ("error" in entry) {
      rejected.push({ raw: entry.raw, reason: entry.error });
      continue;
    }
    try {
      lines.push(parseRange(entry.text, 0, entry.text.length, maxLineBytes, tagKey));
    } catch (error) {
      if (!(error instanceof LineProtocolError)) throw error;
      rejected.push({ raw: entry.text, reason: error.message });
    }
  }
  return { lines, rejected };
}
