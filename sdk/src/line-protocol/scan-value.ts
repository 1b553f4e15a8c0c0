// Field values and the timestamp: the number grammar (float, integer `i`, unsigned `u`, their
// ranges), strings and booleans, as InfluxDB reads them. The helpers of its loops stay in this
// module: V8 does not inline a function imported from another module.
import { INT64_MAX_DIGITS, INT64_MIN_DIGITS, TIME_LIMIT_DIGITS, UINT64_MAX_DIGITS } from "./limits.js";
import { BACKSLASH, COMMA, column, DOT, MINUS, NINE, PLUS, QUOTE, SPACE, show, ZERO } from "./scan-common.js";
import { type FieldValue, LineProtocolError } from "./types.js";

export const FLOAT = 0;
export const INTEGER = 1;
export const UNSIGNED = 2;
export const STRING = 3;
export const BOOLEAN = 4;

let valueType = FLOAT;

/** The type of the last value scanned (FLOAT ... BOOLEAN). */
export function lastValueType(): number {
  return valueType;
}

/** Scans the value at `i` up to the comma, space or end that must follow it; sets valueType. */
export function scanValue(s: string, i: number, n: number, keyStart: number, keyEnd: number): number {
  if (i === n || s.charCodeAt(i) === COMMA || s.charCodeAt(i) === SPACE) {
    throw new LineProtocolError(
      `field ${show(s.slice(keyStart, keyEnd))} has no value at column ${column(i)}: expected a number, "string" or boolean`,
    );
  }
  const c = s.charCodeAt(i);
  if (c === QUOTE) {
    valueType = STRING;
    return scanString(s, i, n, keyStart, keyEnd);
  }
  if (c === MINUS || c === DOT || (c >= ZERO && c <= NINE)) {
    const end = scanNumber(s, i, n);
    if (end !== -1) return end;
    throw badValue(s, i, tokenEnd(s, i, n), keyStart, keyEnd, numberProblem);
  }
  const end = tokenEnd(s, i, n);
  const length = end - i;
  if (c === 116 /* t */ || c === 102 /* f */ || c === 84 /* T */ || c === 70 /* F */) {
    if (
      length === 1 ||
      (length === 4 && (s.startsWith("true", i) || s.startsWith("True", i) || s.startsWith("TRUE", i))) ||
      (length === 5 && (s.startsWith("false", i) || s.startsWith("False", i) || s.startsWith("FALSE", i)))
    ) {
      valueType = BOOLEAN;
      return end;
    }
    throw badValue(
      s,
      i,
      end,
      keyStart,
      keyEnd,
      "invalid boolean (expected t, true, True, TRUE, f, false, False or FALSE)",
    );
  }
  if (c === PLUS && length > 1 && isDigit(s.charCodeAt(i + 1))) {
    throw badValue(s, i, end, keyStart, keyEnd, "invalid number: InfluxDB does not accept a leading +");
  }
  throw badValue(s, i, end, keyStart, keyEnd, 'expected a number, a "string" or a boolean');
}

/** Scans a string value whose opening quote is at `i`; returns the index after the closing quote. */
function scanString(s: string, i: number, n: number, keyStart: number, keyEnd: number): number {
  let from = i + 1;
  while (true) {
    const quote = s.indexOf('"', from);
    if (quote === -1 || quote >= n) {
      throw new LineProtocolError(
        `field ${show(s.slice(keyStart, keyEnd))}: unterminated string starting at column ${column(i)}`,
      );
    }
    let k = quote - 1;
    while (k > i && s.charCodeAt(k) === BACKSLASH) k--;
    if ((quote - 1 - k) % 2 === 0) {
      const after = quote + 1;
      if (after < n && s.charCodeAt(after) !== COMMA && s.charCodeAt(after) !== SPACE) {
        throw new LineProtocolError(
          `field ${show(s.slice(keyStart, keyEnd))}: unexpected ${show(s[after]!)} after the closing quote at column ${column(after)}`,
        );
      }
      return after;
    }
    from = quote + 1;
  }
}

const notANumber = /^[+-]?(nan|inf|infinity)$/i;
let numberProblem = "";

/**
 * Scans a number at `start` (float, or integer with `i`, or unsigned with `u`) that must end at a
 * comma, space or `n`. Returns its end and sets valueType, or returns -1 and sets numberProblem.
 */
function scanNumber(s: string, start: number, n: number): number {
  let j = start;
  const negative = s.charCodeAt(j) === MINUS;
  if (negative) j++;
  const intStart = j;
  while (j < n && isDigit(s.charCodeAt(j))) j++;
  const intDigits = j - intStart;
  let fraction = false;
  let fractionDigits = 0;
  if (j < n && s.charCodeAt(j) === DOT) {
    fraction = true;
    const fractionStart = ++j;
    while (j < n && isDigit(s.charCodeAt(j))) j++;
    fractionDigits = j - fractionStart;
  }
  if (intDigits + fractionDigits === 0) {
    numberProblem = "invalid number";
    return -1;
  }
  let exponent = false;
  if (j < n && (s.charCodeAt(j) | 32) === 101 /* e or E */) {
    exponent = true;
    j++;
    if (j < n && (s.charCodeAt(j) === PLUS || s.charCodeAt(j) === MINUS)) j++;
    const exponentStart = j;
    while (j < n && isDigit(s.charCodeAt(j))) j++;
    if (j === exponentStart) {
      numberProblem = "invalid number: the exponent has no digits";
      return -1;
    }
  }
  const next = j < n ? s.charCodeAt(j) : SPACE;
  if (next === COMMA || next === SPACE) {
    if ((exponent || intDigits > 308) && !Number.isFinite(Number(s.slice(start, j)))) {
      numberProblem = "float out of range: exceeds float64";
      return -1;
    }
    valueType = FLOAT;
    return j;
  }
  const after = j + 1 < n ? s.charCodeAt(j + 1) : SPACE;
  if (
    (next === 105 /* i */ || next === 117) /* u */ &&
    (after === COMMA || after === SPACE) &&
    intDigits > 0
  ) {
    if (fraction || exponent) {
      numberProblem = `invalid number: ${next === 105 ? "an integer" : "an unsigned"} value cannot have a fraction or exponent`;
      return -1;
    }
    if (next === 105) {
      if (!digitsWithin(s, intStart, j, negative ? INT64_MIN_DIGITS : INT64_MAX_DIGITS)) {
        numberProblem = "integer out of range: int64 holds -9223372036854775808 to 9223372036854775807";
        return -1;
      }
      valueType = INTEGER;
      return j + 1;
    }
    if (negative) {
      numberProblem = "invalid number: an unsigned value cannot be negative";
      return -1;
    }
    if (!digitsWithin(s, intStart, j, UINT64_MAX_DIGITS)) {
      numberProblem = "unsigned out of range: uint64 holds 0 to 18446744073709551615";
      return -1;
    }
    valueType = UNSIGNED;
    return j + 1;
  }
  numberProblem = "invalid number";
  return -1;
}

function badValue(
  s: string,
  start: number,
  end: number,
  keyStart: number,
  keyEnd: number,
  problem: string,
): LineProtocolError {
  const value = s.slice(start, end);
  const reason = notANumber.test(value) ? "NaN and Infinity are not valid values in InfluxDB" : problem;
  return new LineProtocolError(
    `field ${show(s.slice(keyStart, keyEnd))}: ${reason}: ${show(value)} at column ${column(start)}`,
  );
}

export function decodeValue(s: string, start: number, end: number, type: number): FieldValue {
  if (type === FLOAT) return { type: "float", value: Number(s.slice(start, end)) };
  if (type === INTEGER) return { type: "integer", value: BigInt(s.slice(start, end - 1)) };
  if (type === UNSIGNED) return { type: "unsigned", value: BigInt(s.slice(start, end - 1)) };
  if (type === BOOLEAN) {
    const c = s.charCodeAt(start);
    return { type: "boolean", value: c === 116 || c === 84 };
  }
  const raw = s.slice(start + 1, end - 1);
  return { type: "string", value: raw.includes("\\") ? raw.replace(/\\([\\"])/g, "$1") : raw };
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

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** End of an unquoted value: the next comma or space, or the end. */
export function tokenEnd(s: string, i: number, n: number): number {
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === COMMA || c === SPACE) return i;
    i++;
  }
  return n;
}

/** Whether the decimal digits s[start, end) are at most `limit` (same-length digit text). */
function digitsWithin(s: string, start: number, end: number, limit: string): boolean {
  while (start < end - 1 && s.charCodeAt(start) === ZERO) start++;
  const length = end - start;
  if (length !== limit.length) return length < limit.length;
  for (let k = 0; k < length; k++) {
    const a = s.charCodeAt(start + k);
    const b = limit.charCodeAt(k);
    if (a !== b) return a < b;
  }
  return true;
}
