// Names in line protocol (measurement, tag keys and values, field keys): their escapes, the ones
// InfluxDB versions read differently, control characters, `time` and duplicate keys.

import { BACKSLASH, COMMA, column, EQUALS, NEWLINE, QUOTE, SPACE, show } from "./scan-common.js";
import { LineProtocolError } from "./types.js";

export const MEASUREMENT = 0;
export const TAG_KEY = 1;
export const TAG_VALUE = 2;
export const FIELD_KEY = 3;
const KIND_NAMES = ["measurement", "tag key", "tag value", "field key"];

// Character classes inside names, for ASCII; everything else is an ordinary character.
const ORDINARY = 0;
const COMMA_OR_SPACE = 1;
const EQUALS_SIGN = 2;
const ESCAPE = 3;
const CONTROL = 4;
const NAME_CLASS = new Uint8Array(128);
NAME_CLASS.fill(CONTROL, 0, 32);
NAME_CLASS[127] = CONTROL;
NAME_CLASS[COMMA] = COMMA_OR_SPACE;
NAME_CLASS[SPACE] = COMMA_OR_SPACE;
NAME_CLASS[EQUALS] = EQUALS_SIGN;
NAME_CLASS[BACKSLASH] = ESCAPE;

/** Whether the last name scanned had an escape (so decoding must unescape it). */
export const lastName = { hasEscape: false };

/** The key ranges of the section being scanned (tags or fields), for the duplicate check. */
export const keys = { starts: new Int32Array(64), ends: new Int32Array(64) };

/**
 * Scans a measurement, tag key, tag value or field key from `i` up to the first unescaped delimiter
 * (comma or space; also `=` except in a measurement) or the end. Sets lastName.hasEscape.
 */
export function scanName(s: string, i: number, n: number, kind: number): number {
  const start = i;
  lastName.hasEscape = false;
  while (i < n) {
    const c = s.charCodeAt(i);
    const type = c < 128 ? NAME_CLASS[c]! : ORDINARY;
    if (type === ORDINARY) {
      i++;
    } else if (type === COMMA_OR_SPACE) {
      return i;
    } else if (type === EQUALS_SIGN) {
      if (kind !== MEASUREMENT) return i;
      i++;
    } else if (type === ESCAPE) {
      if (i + 1 === n) {
        throw new LineProtocolError(
          `${KIND_NAMES[kind]} ${show(s.slice(start, n))} ends the line with a backslash at column ${column(i)}`,
        );
      }
      const next = s.charCodeAt(i + 1);
      if (next === COMMA || next === SPACE || (next === EQUALS && kind !== MEASUREMENT)) {
        if (i > start && s.charCodeAt(i - 1) === BACKSLASH) throw ambiguousEscape(s, start, i, kind);
        lastName.hasEscape = true;
        i += 2;
      } else if (next === QUOTE ? kind === MEASUREMENT || kind === FIELD_KEY : next === EQUALS) {
        throw ambiguousEscape(s, start, i, kind);
      } else {
        i++;
      }
    } else {
      throw new LineProtocolError(
        `${KIND_NAMES[kind]} ${show(s.slice(start, i))} contains control character U+${c.toString(16).toUpperCase().padStart(4, "0")}${c === NEWLINE ? " (newline)" : ""} at column ${column(i)}; control characters are only allowed in string field values`,
      );
    }
  }
  return i;
}

function ambiguousEscape(s: string, start: number, i: number, kind: number): LineProtocolError {
  const next = s[i + 1];
  const why =
    next === "=" || next === '"'
      ? `InfluxDB 1.x reads \\${next} in a ${KIND_NAMES[kind]} as ${next}, newer versions keep the backslash`
      : `InfluxDB versions disagree on a backslash before an escaped ${show(next ?? "")}; escape it with a single backslash`;
  return new LineProtocolError(
    `ambiguous escape in ${KIND_NAMES[kind]} ${show(s.slice(start, i + 2))} at column ${column(i)}: ${why}`,
  );
}

export function decodeName(s: string, start: number, end: number, kind: number, escaped: boolean): string {
  const raw = s.slice(start, end);
  if (!escaped) return raw;
  return kind === MEASUREMENT ? raw.replace(/\\([, ])/g, "$1") : raw.replace(/\\([, =])/g, "$1");
}

/** Sets a key on a plain object, also when the key is "__proto__". */
export function setEntry<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Refuses `time` and a key seen before in this section (tags or fields); records the key. */
export function checkKey(
  s: string,
  start: number,
  end: number,
  index: number,
  section: "tag" | "field",
): void {
  const length = end - start;
  if (length === 4 && s.startsWith("time", start)) {
    throw new LineProtocolError(
      `${section} key "time" at column ${column(start)} is not allowed: InfluxDB ${section === "tag" ? "refuses the point" : "silently drops the field"}`,
    );
  }
  for (let k = 0; k < index; k++) {
    if (keys.ends[k]! - keys.starts[k]! === length && sameText(s, keys.starts[k]!, start, length)) {
      throw new LineProtocolError(
        `duplicate ${section} key ${show(s.slice(start, end))} at column ${column(start)}`,
      );
    }
  }
  if (index === keys.starts.length) {
    const starts = new Int32Array(index * 2);
    const ends = new Int32Array(index * 2);
    starts.set(keys.starts);
    ends.set(keys.ends);
    keys.starts = starts;
    keys.ends = ends;
  }
  keys.starts[index] = start;
  keys.ends[index] = end;
}

function sameText(s: string, a: number, b: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (s.charCodeAt(a + k) !== s.charCodeAt(b + k)) return false;
  return true;
}
