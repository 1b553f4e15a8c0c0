/**
 * Splits a NATS message (bytes) into line-protocol lines.
 *
 *   splitMessage(payload, { maxLineBytes }) -> one entry per point line, in order:
 *     { text }               a line to parse (without its line ending), or
 *     { raw, error }         a line that cannot even be read: invalid UTF-8, or longer than maxLineBytes
 *                            (default 64 KiB). `raw` is a view of the payload bytes, not a copy.
 *   An empty message, or one with only blank lines and comments, gives one error entry.
 *
 * Line endings follow InfluxDB: a newline ends a line unless it is inside a string field value, which
 * may hold newlines. Blank lines and lines whose first non-blank character is `#` are skipped.
 * A carriage return just before a line's newline (CRLF) is dropped: InfluxDB 1.x would read it as part
 * of the last value ("bad timestamp", "invalid number", or a stray quote glued to a string value).
 */
import { Buffer, isUtf8 } from "node:buffer";
import { DEFAULT_MAX_LINE_BYTES } from "./limits.js";

export type SplitEntry = { text: string } | { raw: Uint8Array; error: string };

export interface SplitOptions {
  /** Longest line accepted, in UTF-8 bytes (default 64 KiB). */
  maxLineBytes?: number;
}

const TAB = 9;
const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const COMMA = 44;
const EQUALS = 61;
const BACKSLASH = 92;

export function splitMessage(payload: Uint8Array, options?: SplitOptions): SplitEntry[] {
  const maxLineBytes = options?.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (payload.byteLength === 0) return [{ raw: payload, error: "empty message" }];
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const entries = isUtf8(bytes) ? splitText(bytes, maxLineBytes) : splitBytes(bytes, maxLineBytes);
  if (entries.length === 0) {
    return [{ raw: payload, error: "empty message: only blank lines and comments" }];
  }
  return entries;
}

/** The common case: valid UTF-8, decoded once and cut into lines. */
function splitText(bytes: Buffer, maxLineBytes: number): SplitEntry[] {
  const text = bytes.toString("utf8");
  const ranges = lineRanges(text);
  const entries: SplitEntry[] = [];
  for (let k = 0; k < ranges.length; k += 2) {
    const line = text.slice(ranges[k], ranges[k + 1]);
    // A UTF-16 code unit takes 1 to 3 UTF-8 bytes, so most lines need no byte count.
    if (line.length * 3 > maxLineBytes) {
      const lineBytes = Buffer.from(line, "utf8");
      if (lineBytes.byteLength > maxLineBytes) {
        entries.push({ raw: lineBytes, error: tooLong(lineBytes.byteLength, maxLineBytes) });
        continue;
      }
    }
    entries.push({ text: line });
  }
  return entries;
}

/**
 * The message holds invalid UTF-8 somewhere: cut it into lines as bytes (latin1 maps each byte to
 * one character, so the same scanner gives byte offsets) and check each line on its own, so the
 * good lines around a bad one survive.
 */
function splitBytes(bytes: Buffer, maxLineBytes: number): SplitEntry[] {
  const ranges = lineRanges(bytes.toString("latin1"));
  const entries: SplitEntry[] = [];
  for (let k = 0; k < ranges.length; k += 2) {
    const start = ranges[k]!;
    const end = ranges[k + 1]!;
    const raw = bytes.subarray(start, end);
    if (end - start > maxLineBytes) {
      entries.push({ raw, error: tooLong(end - start, maxLineBytes) });
    } else if (!isUtf8(raw)) {
      const at = firstInvalidUtf8(raw);
      entries.push({
        raw,
        error: `invalid UTF-8 at byte ${at + 1} of the line (byte ${start + at + 1} of the message)`,
      });
    } else {
      entries.push({ text: bytes.toString("utf8", start, end) });
    }
  }
  return entries;
}

function tooLong(bytes: number, maxLineBytes: number): string {
  return `line is too long: ${bytes} bytes, the limit is ${maxLineBytes}`;
}

/**
 * Start and end offsets (flat pairs) of the point lines in `text`, without line endings. Leading
 * blanks are kept in the line. Only ASCII characters steer the scan, so it works on latin1 text too.
 */
export function lineRanges(text: string): number[] {
  const ranges: number[] = [];
  const n = text.length;
  let nextQuote = -1;
  let pos = 0;
  while (pos < n) {
    let i = pos;
    let c = text.charCodeAt(i);
    while (c === SPACE || c === TAB) c = text.charCodeAt(++i);
    if (i >= n) break;
    if (c === NEWLINE) {
      pos = i + 1;
      continue;
    }
    if (c === CARRIAGE_RETURN && (i + 1 === n || text.charCodeAt(i + 1) === NEWLINE)) {
      pos = i + 2;
      continue;
    }
    let newline = text.indexOf("\n", i);
    if (newline === -1) newline = n;
    if (c === HASH) {
      pos = newline + 1;
      continue;
    }
    // Only a quote can hide a newline; most lines have none, and indexOf finds that out fast.
    if (nextQuote < i) {
      nextQuote = text.indexOf('"', i);
      if (nextQuote === -1) nextQuote = n;
    }
    const end = nextQuote < newline ? lineEnd(text, i, n) : newline;
    const last = end > pos && text.charCodeAt(end - 1) === CARRIAGE_RETURN ? end - 1 : end;
    ranges.push(pos, last);
    pos = end + 1;
  }
  return ranges;
}

/**
 * Index of the newline that ends the line starting at `i` (or n), skipping newlines inside string
 * field values. Mirrors the parser: quotes count only as the first character of a field value.
 */
function lineEnd(text: string, i: number, n: number): number {
  // Measurement and tags: up to the first unescaped space.
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === NEWLINE) return i;
    if (c === SPACE) break;
    i += c === BACKSLASH && text.charCodeAt(i + 1) !== NEWLINE ? 2 : 1;
  }
  while (i < n && text.charCodeAt(i) === SPACE) i++;
  // Fields: key=value pairs; a value that starts with a quote runs to the closing quote.
  let inKey = true;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === NEWLINE) return i;
    if (inKey) {
      if (c === EQUALS) {
        inKey = false;
        if (text.charCodeAt(i + 1) === QUOTE) {
          const close = closingQuote(text, i + 2, n);
          // No closing quote at all: end the bad line at its own newline, so the lines after it survive.
          if (close === -1) return restOfLine(text, i, n);
          i = close + 1;
          continue;
        }
      } else if (c === SPACE) {
        return restOfLine(text, i, n);
      } else if (c === BACKSLASH && text.charCodeAt(i + 1) !== NEWLINE) {
        i++;
      }
    } else if (c === COMMA) {
      inKey = true;
    } else if (c === SPACE) {
      // The timestamp follows: no more quotes.
      return restOfLine(text, i, n);
    }
    i++;
  }
  return n;
}

function closingQuote(text: string, i: number, n: number): number {
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i;
    i += c === BACKSLASH ? 2 : 1;
  }
  return -1;
}

function restOfLine(text: string, i: number, n: number): number {
  const newline = text.indexOf("\n", i);
  return newline === -1 ? n : newline;
}

/** Offset of the first byte that does not belong to a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let length: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      length = 2;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + length > bytes.length) return i;
    let codePoint = b & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k]!;
      if ((next & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return i;
    i += length;
  }
  return bytes.length;
}
