// The sections of a line: series (measurement and tags) and fields, the names in them (their
// escapes, the ones InfluxDB versions read differently, control characters, `time` and duplicate
// keys) and InfluxDB's limits on them; values and the timestamp are read by scan-value.ts. Names are
// scanned here, beside the loops that call them: V8 does not inline a function imported from
// another module.
import { Buffer } from "node:buffer";
import { compareText } from "./compare-text.js";
import { MAX_SERIES_KEY_BYTES } from "./limits.js";
import { BACKSLASH, COMMA, column, EQUALS, NEWLINE, QUOTE, SPACE, show } from "./scan-common.js";
import { decodeValue, lastValueType, scanValue } from "./scan-value.js";
import { type FieldValue, LineProtocolError } from "./types.js";

export const MEASUREMENT = 0;
const TAG_KEY = 1;
const TAG_VALUE = 2;
const FIELD_KEY = 3;
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
let nameHasEscape = false;

/**
 * Scans a measurement, tag key, tag value or field key from `i` up to the first unescaped delimiter
 * (comma or space; also `=` except in a measurement) or the end. Sets nameHasEscape.
 */
function scanName(s: string, i: number, n: number, kind: number): number {
  const start = i;
  nameHasEscape = false;
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
        nameHasEscape = true;
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
function setEntry<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

// What the last scan found besides its end, as private module variables for the hot loops (writing
// an exported one costs more); parseRange reads them through the scanned*() functions.
let measurementEnd = 0;
let measurementEscaped = false;
let fieldCount = 0;
let wantedKey: string | undefined; // parseRange's tagKey
let foundTag = -1; // where it is
let insertTag = -1; // where it would go, if a key sorts after it

/** Where the measurement scanSeries read ends, and whether it has an escape. */
export function scannedMeasurementEnd(): number {
  return measurementEnd;
}
export function scannedMeasurementEscaped(): boolean {
  return measurementEscaped;
}

/** The tag parseRange asked for: where it is, or where it would go (-1 when not found). */
export function scannedTag(): number {
  return foundTag;
}
export function scannedTagInsert(): number {
  return insertTag;
}

/** The key ranges of the section being scanned (tags or fields), for the duplicate check. */
let keyStarts = new Int32Array(64);
let keyEnds = new Int32Array(64);

/** Starts a line: `tagKey` is the tag to locate (see ParsedLine.tagStart). */
export function startLine(tagKey: string | undefined): void {
  wantedKey = tagKey;
  foundTag = -1;
  insertTag = -1;
}

/** Scans `measurement[,k=v...]` from `i`; returns the index of the space that ends it. */
export function scanSeries(
  s: string,
  i: number,
  n: number,
  tags: Record<string, string> | undefined,
): number {
  const start = i;
  if (s.charCodeAt(i) === COMMA) {
    throw new LineProtocolError(`missing measurement: the line starts with a comma at column ${column(i)}`);
  }
  i = scanName(s, i, n, MEASUREMENT);
  measurementEnd = i;
  measurementEscaped = nameHasEscape;
  if (i === n) throw missingFields(s, start, i);
  if (s.charCodeAt(i) === SPACE) return i;

  let count = 0;
  // s[i] is a comma: a tag follows.
  while (true) {
    i++;
    const keyStart = i;
    i = scanName(s, i, n, TAG_KEY);
    const keyEscaped = nameHasEscape;
    if (i === keyStart) {
      throw new LineProtocolError(`empty tag key at column ${column(i)}; expected key=value after the comma`);
    }
    if (i === n || s.charCodeAt(i) !== EQUALS) {
      throw new LineProtocolError(
        `tag ${show(s.slice(keyStart, i))} at column ${column(keyStart)} has no "=": expected key=value`,
      );
    }
    checkKey(s, keyStart, i, count, "tag");
    count++;
    const keyEnd = i;
    if (
      wantedKey !== undefined &&
      keyEnd - keyStart === wantedKey.length &&
      s.startsWith(wantedKey, keyStart)
    ) {
      foundTag = keyStart - 1;
    }
    if (wantedKey !== undefined && insertTag === -1 && compareText(s, keyStart, keyEnd, wantedKey) > 0) {
      insertTag = keyStart - 1;
    }
    i++;
    const valueStart = i;
    i = scanName(s, i, n, TAG_VALUE);
    if (i === valueStart) {
      throw new LineProtocolError(
        `tag ${show(decodeName(s, keyStart, keyEnd, TAG_KEY, keyEscaped))} has an empty value at column ${column(i)}`,
      );
    }
    if (i < n && s.charCodeAt(i) === EQUALS) {
      throw new LineProtocolError(
        `tag ${show(decodeName(s, keyStart, keyEnd, TAG_KEY, keyEscaped))}: unescaped "=" in its value at column ${column(i)} (write it as \\=)`,
      );
    }
    if (tags !== undefined) {
      const value = decodeName(s, valueStart, i, TAG_VALUE, nameHasEscape);
      setEntry(tags, decodeName(s, keyStart, keyEnd, TAG_KEY, keyEscaped), value);
    }
    if (i === n) throw missingFields(s, start, i);
    if (s.charCodeAt(i) === SPACE) return i;
  }
}

/**
 * Scans `key=value[,key=value...]` from `i`; returns the index after the last value. Leaves the field
 * keys' ranges in scan-name.ts's key ranges [0, fieldCount).
 */
export function scanFields(
  s: string,
  i: number,
  n: number,
  fields: Record<string, FieldValue> | undefined,
): number {
  let count = 0;
  fieldCount = 0;
  while (true) {
    const keyStart = i;
    i = scanName(s, i, n, FIELD_KEY);
    const keyEscaped = nameHasEscape;
    if (i === keyStart) {
      throw new LineProtocolError(
        `empty field key at column ${column(i)}; expected field=value${count > 0 ? " after the comma" : ""}`,
      );
    }
    if (i === n || s.charCodeAt(i) !== EQUALS) {
      throw new LineProtocolError(
        `field ${show(s.slice(keyStart, i))} at column ${column(keyStart)} has no "=": expected field=value`,
      );
    }
    checkKey(s, keyStart, i, count, "field");
    fieldCount = ++count;
    const keyEnd = i;
    const valueStart = i + 1;
    i = scanValue(s, valueStart, n, keyStart, keyEnd);
    if (fields !== undefined) {
      const decoded = decodeValue(s, valueStart, i, lastValueType());
      setEntry(fields, decodeName(s, keyStart, keyEnd, FIELD_KEY, keyEscaped), decoded);
    }
    if (i === n || s.charCodeAt(i) === SPACE) return i;
    i++; // the comma
  }
}

export function missingFields(s: string, start: number, end: number): LineProtocolError {
  const what = measurementEnd < end ? "tag set" : "measurement";
  return new LineProtocolError(
    `missing fields: expected a space and field=value after the ${what} ${show(s.slice(start, end))}`,
  );
}

/** InfluxDB refuses a point whose series key plus 4 plus a field key exceeds 65535 bytes. */
export function checkSeriesKeyLength(
  s: string,
  start: number,
  seriesEnd: number,
  fieldsStart: number,
  fieldsEnd: number,
) {
  if ((seriesEnd - start + fieldsEnd - fieldsStart) * 3 + 4 <= MAX_SERIES_KEY_BYTES) return;
  const seriesBytes = Buffer.byteLength(s.slice(start, seriesEnd), "utf8");
  const fieldKeyBytes = longestKeyBytes(s, fieldCount);
  if (seriesBytes + 4 + fieldKeyBytes > MAX_SERIES_KEY_BYTES) {
    throw new LineProtocolError(
      `series key too long: measurement and tags (${seriesBytes} bytes) plus field key (${fieldKeyBytes} bytes) exceed InfluxDB's ${MAX_SERIES_KEY_BYTES}`,
    );
  }
}

/** Refuses `time` and a key seen before in this section (tags or fields); records the key. */
function checkKey(s: string, start: number, end: number, index: number, section: "tag" | "field"): void {
  const length = end - start;
  if (length === 4 && s.startsWith("time", start)) {
    throw new LineProtocolError(
      `${section} key "time" at column ${column(start)} is not allowed: InfluxDB ${section === "tag" ? "refuses the point" : "silently drops the field"}`,
    );
  }
  for (let k = 0; k < index; k++) {
    if (keyEnds[k]! - keyStarts[k]! === length && sameText(s, keyStarts[k]!, start, length)) {
      throw new LineProtocolError(
        `duplicate ${section} key ${show(s.slice(start, end))} at column ${column(start)}`,
      );
    }
  }
  if (index === keyStarts.length) {
    const starts = new Int32Array(index * 2);
    const ends = new Int32Array(index * 2);
    starts.set(keyStarts);
    ends.set(keyEnds);
    keyStarts = starts;
    keyEnds = ends;
  }
  keyStarts[index] = start;
  keyEnds[index] = end;
}

function sameText(s: string, a: number, b: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (s.charCodeAt(a + k) !== s.charCodeAt(b + k)) return false;
  return true;
}

/** The longest of the first `count` keys of the section just scanned, in UTF-8 bytes. */
function longestKeyBytes(s: string, count: number): number {
  let bytes = 0;
  for (let k = 0; k < count; k++)
    bytes = Math.max(bytes, Buffer.byteLength(s.slice(keyStarts[k]!, keyEnds[k]!), "utf8"));
  return bytes;
}
