/**
 * Rewrites a parsed line without re-encoding it: the relay sets the `org` tag from the NATS subject
 * and stamps lines that carry no timestamp. Measurement, other tags, fields and timestamp keep their
 * exact text; sections are joined with single spaces.
 *
 *   rewriteLine(line, { tags, defaultTimestamp }) -> line text
 *   withTag(line, key, value)                      -> line text with that tag set or replaced
 *   withTimestamp(line, ns)                        -> line text with that timestamp set or replaced
 */

import { compareText } from "./compare-text.js";
import { escapeKey } from "./escape.js";
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from "./limits.js";
import type { ParsedLine } from "./parse.js";
import { LineProtocolError } from "./types.js";

export interface LineRewrite {
  /** Tags to set; each replaces a tag with the same key, or is added in key order. */
  tags?: Readonly<Record<string, string>>;
  /** Integer nanoseconds written when the line has no timestamp; a line's own timestamp is kept. */
  defaultTimestamp?: bigint;
}

const COMMA = 44;
const EQUALS = 61;
const BACKSLASH = 92;

export function rewriteLine(line: ParsedLine, rewrite: LineRewrite): string {
  const tags = rewrite.tags;
  if (tags !== undefined) {
    const keys = Object.keys(tags);
    // The relay's case, one tag: built from slices of the line's source, with no series string.
    if (keys.length === 1) return withOneTag(line, keys[0]!, tags[keys[0]!]!, rewrite.defaultTimestamp);
  }
  return rewriteLineGeneral(line, rewrite);
}

/**
 * rewriteLine on the section texts, any number of tags. Exported for the tests that compare the
 * one-tag path with it.
 */
export function rewriteLineGeneral(line: ParsedLine, rewrite: LineRewrite): string {
  let series = line.series;
  if (rewrite.tags !== undefined) {
    for (const key of Object.keys(rewrite.tags)) series = setTag(series, key, rewrite.tags[key]!);
  }
  let timestamp = line.timestampText;
  if (timestamp === undefined && rewrite.defaultTimestamp !== undefined) {
    timestamp = checkTimestamp(rewrite.defaultTimestamp);
  }
  return timestamp === undefined
    ? `${series} ${line.fieldsText}`
    : `${series} ${line.fieldsText} ${timestamp}`;
}

export function withTag(line: ParsedLine, key: string, value: string): string {
  return withOneTag(line, key, value, undefined);
}

/**
 * The line with tag `key` set (replaced, or inserted in key order as setTag does), then its fields and
 * its own timestamp, or `defaultTimestamp` when it has none, joined by single spaces. Reads the series in the
 * line's source in place: a few slices, whatever the number of tags.
 */
function withOneTag(
  line: ParsedLine,
  key: string,
  value: string,
  defaultTimestamp: bigint | undefined,
): string {
  const rawKey = escapedKey(key);
  const rawValue = escapedValue(value);
  // After the tag, as rewriteLineGeneral: the same error when both are wrong.
  const stamp =
    line.timeStart === -1 && defaultTimestamp !== undefined ? checkTimestamp(defaultTimestamp) : undefined;
  const source = line.source;
  const start = line.seriesStart;
  const n = line.seriesEnd;
  let head: string;
  let from: number; // where the unchanged rest of the series starts
  let insertAt = -1;
  let i = findUnescapedIn(source, start, n, COMMA);
  while (true) {
    if (i >= n) {
      if (insertAt === -1) insertAt = n;
      head = `${source.slice(start, insertAt)},${rawKey}=${rawValue}`;
      from = insertAt;
      break;
    }
    const keyStart = i + 1;
    const equals = findUnescapedIn(source, keyStart, n, EQUALS);
    const end = findUnescapedIn(source, equals + 1, n, COMMA);
    const order = compareText(source, keyStart, equals, rawKey);
    if (order === 0) {
      head = `${source.slice(start, equals + 1)}${rawValue}`;
      from = end;
      break;
    }
    // InfluxDB sorts tags by their escaped keys; writing them sorted spares it the work.
    if (insertAt === -1 && order > 0) insertAt = i;
    i = end;
  }
  const fieldsEnd = line.fieldsEnd;
  const timeStart = line.timeStart;
  // Single spaces between the sections (as nearly every line has): the rest is one slice.
  if (line.fieldsStart === n + 1 && (timeStart === -1 || timeStart === fieldsEnd + 1)) {
    const rest = source.slice(from, timeStart === -1 ? fieldsEnd : line.timeEnd);
    return stamp === undefined ? head + rest : `${head}${rest} ${stamp}`;
  }
  const tail = `${source.slice(from, n)} ${source.slice(line.fieldsStart, fieldsEnd)}`;
  if (timeStart !== -1) return `${head}${tail} ${source.slice(timeStart, line.timeEnd)}`;
  return stamp === undefined ? head + tail : `${head}${tail} ${stamp}`;
}

/** Index of the first `target` not escaped by a backslash in text[i, n); n if none. */
function findUnescapedIn(text: string, i: number, n: number, target: number): number {
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === target) return i;
    i += c === BACKSLASH ? 2 : 1;
  }
  return n;
}

export function withTimestamp(line: ParsedLine, timestamp: bigint): string {
  return `${line.series} ${line.fieldsText} ${checkTimestamp(timestamp)}`;
}

function checkTimestamp(timestamp: bigint): string {
  if (timestamp < MIN_TIMESTAMP || timestamp > MAX_TIMESTAMP) {
    throw new LineProtocolError(
      `timestamp ${timestamp} is outside InfluxDB's range ${MIN_TIMESTAMP} to ${MAX_TIMESTAMP}`,
    );
  }
  return String(timestamp);
}

/** Sets tag `key` in the escaped series text `measurement[,k=v...]`. */
function setTag(series: string, key: string, value: string): string {
  const rawKey = escapedKey(key);
  const rawValue = escapedValue(value);
  const n = series.length;
  let insertAt = -1;
  let i = findUnescaped(series, 0, COMMA);
  while (i < n) {
    const keyStart = i + 1;
    const equals = findUnescaped(series, keyStart, EQUALS);
    const end = findUnescaped(series, equals + 1, COMMA);
    const existing = series.slice(keyStart, equals);
    if (existing === rawKey) return `${series.slice(0, equals + 1)}${rawValue}${series.slice(end)}`;
    // InfluxDB sorts tags by their escaped keys; writing them sorted spares it the work.
    if (insertAt === -1 && existing > rawKey) insertAt = i;
    i = end;
  }
  if (insertAt === -1) insertAt = n;
  return `${series.slice(0, insertAt)},${rawKey}=${rawValue}${series.slice(insertAt)}`;
}

// The relay sets the same org on every line of a message: remember the last escaped key and value.
let lastKey: string | undefined;
let lastRawKey = "";
let lastValue: string | undefined;
let lastRawValue = "";

function escapedKey(key: string): string {
  if (key !== lastKey) {
    if (key === "time")
      throw new LineProtocolError('tag key "time" is not allowed: InfluxDB refuses the point');
    lastRawKey = escapeKey("tag key", key);
    lastKey = key;
  }
  return lastRawKey;
}

function escapedValue(value: string): string {
  if (value !== lastValue) {
    lastRawValue = escapeKey("tag value", value);
    lastValue = value;
  }
  return lastRawValue;
}

/** Index of the first `target` not escaped by a backslash, from `i`; the length if none. */
function findUnescaped(text: string, i: number, target: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === target) return i;
    i += c === BACKSLASH ? 2 : 1;
  }
  return n;
}
