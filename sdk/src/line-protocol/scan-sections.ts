// The sections of a line: series (measurement and tags), fields, timestamp, and InfluxDB's limits
// on them. Names are read by scan-name.ts, values by scan-value.ts.
import { compareText } from "./compare-text.js";
import { MAX_SERIES_KEY_BYTES, TIME_LIMIT_DIGITS } from "./limits.js";
import { COMMA, column, digitsWithin, EQUALS, isDigit, MINUS, SPACE, show, tokenEnd } from "./scan-common.js";
import {
  checkKey,
  decodeName,
  FIELD_KEY,
  keys,
  lastName,
  MEASUREMENT,
  scanName,
  setEntry,
  TAG_KEY,
  TAG_VALUE,
} from "./scan-name.js";
import { decodeValue, lastValue, scanValue } from "./scan-value.js";
import { type FieldValue, LineProtocolError } from "./types.js";

/** What the last scan found besides its end; parsing is synchronous, so one set is enough. */
export const sections = {
  measurementEnd: 0,
  measurementEscaped: false,
  fieldCount: 0,
  /** parseRange's tagKey, the tag to locate */
  wantedKey: undefined as string | undefined,
  /** where it is */
  foundTag: -1,
  /** where it would go, if a key sorts after it */
  insertTag: -1,
};

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
  sections.measurementEnd = i;
  sections.measurementEscaped = lastName.hasEscape;
  if (i === n) throw missingFields(s, start, i);
  if (s.charCodeAt(i) === SPACE) return i;

  let count = 0;
  // s[i] is a comma: a tag follows.
  while (true) {
    i++;
    const keyStart = i;
    i = scanName(s, i, n, TAG_KEY);
    const keyEscaped = lastName.hasEscape;
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
      sections.wantedKey !== undefined &&
      keyEnd - keyStart === sections.wantedKey.length &&
      s.startsWith(sections.wantedKey, keyStart)
    ) {
      sections.foundTag = keyStart - 1;
    }
    if (
      sections.wantedKey !== undefined &&
      sections.insertTag === -1 &&
      compareText(s, keyStart, keyEnd, sections.wantedKey) > 0
    ) {
      sections.insertTag = keyStart - 1;
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
      const value = decodeName(s, valueStart, i, TAG_VALUE, lastName.hasEscape);
      setEntry(tags, decodeName(s, keyStart, keyEnd, TAG_KEY, keyEscaped), value);
    }
    if (i === n) throw missingFields(s, start, i);
    if (s.charCodeAt(i) === SPACE) return i;
  }
}

/**
 * Scans `key=value[,key=value...]` from `i`; returns the index after the last value. Leaves the field
 * keys' ranges in keys.starts/keys.ends[0, sections.fieldCount).
 */
export function scanFields(
  s: string,
  i: number,
  n: number,
  fields: Record<string, FieldValue> | undefined,
): number {
  let count = 0;
  sections.fieldCount = 0;
  while (true) {
    const keyStart = i;
    i = scanName(s, i, n, FIELD_KEY);
    const keyEscaped = lastName.hasEscape;
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
    sections.fieldCount = ++count;
    const keyEnd = i;
    const valueStart = i + 1;
    i = scanValue(s, valueStart, n, keyStart, keyEnd);
    if (fields !== undefined) {
      const decoded = decodeValue(s, valueStart, i, lastValue.type);
      setEntry(fields, decodeName(s, keyStart, keyEnd, FIELD_KEY, keyEscaped), decoded);
    }
    if (i === n || s.charCodeAt(i) === SPACE) return i;
    i++; // the comma
  }
}

/** Scans the timestamp at `i`; returns the index after it. */
export function scanTimestamp(s: string, i: number, n: number): number {
  const start = i;
  const negative = s.charCodeAt(i) === MINUS;
  if (negative) i++;
  const digitsStart = i;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  if (i === digitsStart || (i < n && s.charCodeAt(i) !== SPACE)) {
    throw new LineProtocolError(
      `bad timestamp ${show(s.slice(start, tokenEnd(s, i, n)))} at column ${column(start)}: expected integer nanoseconds since the epoch`,
    );
  }
  if (!digitsWithin(s, digitsStart, i, TIME_LIMIT_DIGITS)) {
    throw new LineProtocolError(
      `timestamp ${show(s.slice(start, i))} at column ${column(start)} is outside InfluxDB's range -9223372036854775806 to 9223372036854775806`,
    );
  }
  return i;
}

export function missingFields(s: string, start: number, end: number): LineProtocolError {
  const what = sections.measurementEnd < end ? "tag set" : "measurement";
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
  let fieldKeyBytes = 0;
  for (let k = 0; k < sections.fieldCount; k++) {
    fieldKeyBytes = Math.max(
      fieldKeyBytes,
      Buffer.byteLength(s.slice(keys.starts[k]!, keys.ends[k]!), "utf8"),
    );
  }
  if (seriesBytes + 4 + fieldKeyBytes > MAX_SERIES_KEY_BYTES) {
    throw new LineProtocolError(
      `series key too long: measurement and tags (${seriesBytes} bytes) plus field key (${fieldKeyBytes} bytes) exceed InfluxDB's ${MAX_SERIES_KEY_BYTES}`,
    );
  }
}
