/**
 * Fast path of the strict parser for lines of an ASCII message: validates the line bytes[lineStart,
 * lineEnd) directly, without decoding the message to a string first and without building any error.
 *
 *   scanLineBytes(bytes, lineStart, lineEnd, maxLineBytes) -> true and the sections in `scanned`, or
 *                                                             false: "not sure it is valid"
 *
 * It applies exactly the rules of parse.ts (see there) to ASCII bytes, where byte offsets are also the
 * UTF-16 offsets of the latin1-decoded text, so its sections can back a ParsedLine. When it answers
 * false the caller runs the general parser (parseRange), which gives the reason; rare cases it does
 * not decide itself (a float exponent that may overflow, a series key near InfluxDB's limit, a byte
 * above 127) also answer false, so the general parser stays the one authority on what is refused.
 * The two are compared on random input in test/line-protocol-scan-bytes.test.ts.
 */
import {
  INT64_MAX_DIGITS,
  INT64_MIN_DIGITS,
  MAX_SERIES_KEY_BYTES,
  TIME_LIMIT_DIGITS,
  UINT64_MAX_DIGITS,
} from "./limits.js";

const TAB = 9;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const EQUALS = 61;
const BACKSLASH = 92;

const MEASUREMENT = 0;
const TAG_KEY = 1;
const TAG_VALUE = 2;
const FIELD_KEY = 3;

// Byte classes inside names. Bytes above 127 never reach here in an ASCII message; they are refused
// to the general parser all the same, so this path cannot misread UTF-8.
const ORDINARY = 0;
const COMMA_OR_SPACE = 1;
const EQUALS_SIGN = 2;
const ESCAPE = 3;
const REFUSE = 4;
const NAME_CLASS = new Uint8Array(256);
NAME_CLASS.fill(REFUSE, 0, 32);
NAME_CLASS.fill(REFUSE, 127, 256);
NAME_CLASS[COMMA] = COMMA_OR_SPACE;
NAME_CLASS[SPACE] = COMMA_OR_SPACE;
NAME_CLASS[EQUALS] = EQUALS_SIGN;
NAME_CLASS[BACKSLASH] = ESCAPE;

/** Sections of the last line scanLineBytes accepted (offsets into the message). */
export const scanned = {
  start: 0,
  measurementEnd: 0,
  measurementEscaped: false,
  seriesEnd: 0,
  fieldsStart: 0,
  fieldsEnd: 0,
  /** -1 when the line has no timestamp. */
  timeStart: -1,
  timeEnd: -1,
  /** The comma before the tagKey tag; -1 when none. */
  tagStart: -1,
  /** Where the tagKey tag would be inserted in key order; -1 when no tagKey was given. */
  tagInsertAt: -1,
};

const FAIL = -1;
let nameHasEscape = false;
let keyStarts = new Int32Array(64);
let keyEnds = new Int32Array(64);

export function scanLineBytes(
  b: Uint8Array,
  lineStart: number,
  lineEnd: number,
  maxLineBytes: number,
  /** A tag key to locate, as parseRange's tagKey. */
  tagKey?: string,
): boolean {
  const n = lineEnd;
  if (n - lineStart > maxLineBytes) return false;
  let i = lineStart;
  while (i < n && (b[i] === SPACE || b[i] === TAB)) i++;
  if (i === n || b[i] === HASH || b[i] === COMMA) return false;
  const start = i;

  // Measurement, then ,key=value tags up to the space.
  i = scanName(b, i, n, MEASUREMENT);
  if (i === FAIL || i === n) return false;
  const measurementEnd = i;
  const measurementEscaped = nameHasEscape;
  let count = 0;
  let tagStart = -1;
  let tagInsertAt = -1;
  while (b[i] === COMMA) {
    const keyStart = ++i;
    i = scanName(b, i, n, TAG_KEY);
    if (i === FAIL || i === keyStart || i === n || b[i] !== EQUALS) return false;
    if (!checkKey(b, keyStart, i, count++)) return false;
    if (tagKey !== undefined && i - keyStart === tagKey.length && isWord(b, keyStart, tagKey))
      tagStart = keyStart - 1;
    if (tagKey !== undefined && tagInsertAt === -1 && compareBytes(b, keyStart, i, tagKey) > 0)
      tagInsertAt = keyStart - 1;
    const valueStart = ++i;
    i = scanName(b, i, n, TAG_VALUE);
    // A tag value ends at a comma or space; "=" (unescaped) or the end of the line is refused.
    if (i === FAIL || i === valueStart || i === n || b[i] === EQUALS) return false;
  }
  const seriesEnd = i; // b[i] is a space
  while (i < n && b[i] === SPACE) i++;
  if (i === n) return false;

  const fieldsStart = i;
  count = 0;
  while (true) {
    const keyStart = i;
    i = scanName(b, i, n, FIELD_KEY);
    if (i === FAIL || i === keyStart || i === n || b[i] !== EQUALS) return false;
    if (!checkKey(b, keyStart, i, count++)) return false;
    i = scanValue(b, i + 1, n);
    if (i === FAIL) return false;
    if (i === n || b[i] === SPACE) break;
    i++; // the comma
  }
  const fieldsEnd = i;
  // The exact byte count of the series key needs the field keys; near the limit, let parseRange decide.
  if ((seriesEnd - start + fieldsEnd - fieldsStart) * 3 + 4 > MAX_SERIES_KEY_BYTES) return false;

  while (i < n && b[i] === SPACE) i++;
  let timeStart = -1;
  let timeEnd = -1;
  if (i < n) {
    timeStart = i;
    if (b[i] === MINUS) i++;
    const digitsStart = i;
    while (i < n && isDigit(b[i]!)) i++;
    if (i === digitsStart || !digitsWithin(b, digitsStart, i, TIME_LIMIT_DIGITS)) return false;
    timeEnd = i;
    while (i < n && b[i] === SPACE) i++;
    if (i < n) return false;
  }
  scanned.start = start;
  scanned.measurementEnd = measurementEnd;
  scanned.measurementEscaped = measurementEscaped;
  scanned.seriesEnd = seriesEnd;
  scanned.fieldsStart = fieldsStart;
  scanned.fieldsEnd = fieldsEnd;
  scanned.timeStart = timeStart;
  scanned.timeEnd = timeEnd;
  scanned.tagStart = tagStart;
  scanned.tagInsertAt = tagKey === undefined ? -1 : tagInsertAt === -1 ? seriesEnd : tagInsertAt;
  return true;
}

/** As parse.ts scanName; returns the index of the delimiter (or n), or FAIL. Sets nameHasEscape. */
function scanName(b: Uint8Array, i: number, n: number, kind: number): number {
  const start = i;
  nameHasEscape = false;
  while (i < n) {
    const type = NAME_CLASS[b[i]!]!;
    if (type === ORDINARY) {
      i++;
    } else if (type === COMMA_OR_SPACE) {
      return i;
    } else if (type === EQUALS_SIGN) {
      if (kind !== MEASUREMENT) return i;
      i++;
    } else if (type === ESCAPE) {
      if (i + 1 === n) return FAIL;
      const next = b[i + 1];
      if (next === COMMA || next === SPACE || (next === EQUALS && kind !== MEASUREMENT)) {
        if (i > start && b[i - 1] === BACKSLASH) return FAIL;
        nameHasEscape = true;
        i += 2;
      } else if (next === QUOTE ? kind === MEASUREMENT || kind === FIELD_KEY : next === EQUALS) {
        return FAIL;
      } else {
        i++;
      }
    } else {
      return FAIL;
    }
  }
  return i;
}

/** Refuses `time` and a key seen before in this section; records the key. */
function checkKey(b: Uint8Array, start: number, end: number, index: number): boolean {
  const length = end - start;
  if (
    length === 4 &&
    b[start] === 116 /* t */ &&
    b[start + 1] === 105 /* i */ &&
    b[start + 2] === 109 /* m */ &&
    b[start + 3] === 101 /* e */
  ) {
    return false;
  }
  for (let k = 0; k < index; k++) {
    if (keyEnds[k]! - keyStarts[k]! === length && sameBytes(b, keyStarts[k]!, start, length)) return false;
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
  return true;
}

/** Compares b[start, end) with `other` (ASCII) as JavaScript compares strings: <0, 0 or >0. */
function compareBytes(b: Uint8Array, start: number, end: number, other: string): number {
  const length = end - start;
  const common = Math.min(length, other.length);
  for (let k = 0; k < common; k++) {
    const d = b[start + k]! - other.charCodeAt(k);
    if (d !== 0) return d;
  }
  return length - other.length;
}

function sameBytes(b: Uint8Array, a: number, c: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (b[a + k] !== b[c + k]) return false;
  return true;
}

/** Scans a field value at `i` up to the comma, space or end that must follow it; FAIL if invalid. */
function scanValue(b: Uint8Array, i: number, n: number): number {
  if (i === n) return FAIL;
  const c = b[i]!;
  if (c === QUOTE) return scanString(b, i, n);
  if (c === MINUS || c === DOT || isDigit(c)) return scanNumber(b, i, n);
  let end = i;
  while (end < n && b[end] !== COMMA && b[end] !== SPACE) end++;
  const length = end - i;
  if (c === 116 /* t */ || c === 84 /* T */) {
    if (length === 1) return end;
    if (length === 4 && (isWord(b, i, "true") || isWord(b, i, "True") || isWord(b, i, "TRUE"))) return end;
  } else if (c === 102 /* f */ || c === 70 /* F */) {
    if (length === 1) return end;
    if (length === 5 && (isWord(b, i, "false") || isWord(b, i, "False") || isWord(b, i, "FALSE"))) return end;
  }
  return FAIL;
}

function isWord(b: Uint8Array, i: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** A string value whose opening quote is at `i`; returns the index after the closing quote. */
function scanString(b: Uint8Array, i: number, n: number): number {
  let from = i + 1;
  while (true) {
    const quote = b.indexOf(QUOTE, from);
    if (quote === -1 || quote >= n) return FAIL;
    let k = quote - 1;
    while (k > i && b[k] === BACKSLASH) k--;
    if ((quote - 1 - k) % 2 === 0) {
      const after = quote + 1;
      if (after < n && b[after] !== COMMA && b[after] !== SPACE) return FAIL;
      return after;
    }
    from = quote + 1;
  }
}

/** A float, or an integer with `i`, or an unsigned with `u`, ending at a comma, space or `n`. */
function scanNumber(b: Uint8Array, start: number, n: number): number {
  let j = start;
  const negative = b[j] === MINUS;
  if (negative) j++;
  const intStart = j;
  while (j < n && isDigit(b[j]!)) j++;
  const intDigits = j - intStart;
  let fraction = false;
  let fractionDigits = 0;
  if (j < n && b[j] === DOT) {
    fraction = true;
    const fractionStart = ++j;
    while (j < n && isDigit(b[j]!)) j++;
    fractionDigits = j - fractionStart;
  }
  if (intDigits + fractionDigits === 0) return FAIL;
  let exponent = false;
  if (j < n && (b[j]! | 32) === 101 /* e or E */) {
    exponent = true;
    j++;
    if (j < n && (b[j] === 43 /* + */ || b[j] === MINUS)) j++;
    const exponentStart = j;
    while (j < n && isDigit(b[j]!)) j++;
    if (j === exponentStart) return FAIL;
  }
  const next = j < n ? b[j] : SPACE;
  if (next === COMMA || next === SPACE) {
    // Whether it overflows float64 takes Number(); rare, so the general parser decides.
    if (exponent || intDigits > 308) return FAIL;
    return j;
  }
  const after = j + 1 < n ? b[j + 1] : SPACE;
  if (
    (next === 105 /* i */ || next === 117) /* u */ &&
    (after === COMMA || after === SPACE) &&
    intDigits > 0
  ) {
    if (fraction || exponent) return FAIL;
    if (next === 105)
      return digitsWithin(b, intStart, j, negative ? INT64_MIN_DIGITS : INT64_MAX_DIGITS) ? j + 1 : FAIL;
    if (negative || !digitsWithin(b, intStart, j, UINT64_MAX_DIGITS)) return FAIL;
    return j + 1;
  }
  return FAIL;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** Whether the decimal digits b[start, end) are at most `limit`. */
function digitsWithin(b: Uint8Array, start: number, end: number, limit: string): boolean {
  while (start < end - 1 && b[start] === ZERO) start++;
  const length = end - start;
  if (length !== limit.length) return length < limit.length;
  for (let k = 0; k < length; k++) {
    const x = b[start + k]!;
    const y = limit.charCodeAt(k);
    if (x !== y) return x < y;
  }
  return true;
}
