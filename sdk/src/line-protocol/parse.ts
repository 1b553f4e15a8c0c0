/**
 * Strict parser for one line of InfluxDB line protocol, with InfluxDB 1.x semantics (2.x and 3.x read
 * every line it accepts the same way).
 *
 *   parseLine(line, options?) -> ParsedLine, or throws LineProtocolError naming what is wrong and the
 *   column (1-based, in UTF-16 code units of `line`).
 *
 * A ParsedLine gives the raw text of each section (`series` = measurement and tags as written,
 * `fieldsText`, `timestampText`), so a line can be rewritten (rewrite.ts: set a tag, add a timestamp)
 * without re-encoding its fields. It holds only offsets into its source text: sections are sliced,
 * and `measurement`, `tags`, `fields` and `timestamp` decoded, when read, so validating a line
 * allocates nothing but the result. parseMessage (message.ts) parses a message's lines in place.
 *
 * Rules (checked against influxd 1.6.7 and influxdata/influxdb models/points.go):
 * - `measurement[,tag=value...] field=value[,field=value...] [timestamp]`, sections separated by one or
 *   more spaces; spaces and tabs before the measurement are skipped, spaces after the end are allowed.
 * - Measurement: `\,` and `\ ` are escapes. Tag keys, tag values, field keys: `\,` `\=` `\ `. Any other
 *   backslash is literal. Refused because InfluxDB versions read them differently (1.x unescapes them,
 *   the 2.x/3.x parsers do not, or the other way round): two or more backslashes before one of those
 *   characters, `\=` and `\"` in a measurement, `\"` in a field key. Also refused in names: control
 *   characters (InfluxDB 1.x strips leading tabs, the 2.x parser refuses them) and a trailing backslash.
 * - Field values: float `-?(1|1.|1.5|.5)` with optional exponent `e`/`E` `[+-]digits` (no leading `+`,
 *   no NaN or Infinity, finite as float64); integer `-?digits` + `i` (int64); unsigned `digits` + `u`
 *   (uint64; note that InfluxDB 1.x refuses unsigned values unless built with uint64 support);
 *   string `"..."` where `\"` and `\\` are escapes, other backslashes are literal, and newlines are
 *   allowed; boolean t T true True TRUE f F false False FALSE.
 * - Timestamp: optional, integer nanoseconds, may be negative, within InfluxDB's range
 *   [-(2^63-2), 2^63-2]; only spaces may follow it.
 * - Refused although InfluxDB 1.x takes them: duplicate field keys (1.x silently keeps the last), and
 *   `time` as a tag or field key (1.x refuses the tag and silently drops the field).
 * - At most `maxLineBytes` UTF-8 bytes (default 64 KiB); lone surrogates (not encodable as UTF-8) are refused.
 */
import { Buffer } from "node:buffer";
import { compareText } from "./compare-text.js";
import {
  DEFAULT_MAX_LINE_BYTES,
  INT64_MAX_DIGITS,
  INT64_MIN_DIGITS,
  MAX_SERIES_KEY_BYTES,
  TIME_LIMIT_DIGITS,
  UINT64_MAX_DIGITS,
} from "./limits.js";
import { type FieldValue, LineProtocolError } from "./types.js";

export interface ParsedLine {
  /** The line as given. */
  readonly text: string;
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** Integer nanoseconds; undefined when the line has none (InfluxDB then uses the time of the write). */
  readonly timestamp: bigint | undefined;
  /** Measurement and tags exactly as written (escaped). */
  readonly series: string;
  /** The field section exactly as written. */
  readonly fieldsText: string;
  /** The timestamp exactly as written, if any. */
  readonly timestampText: string | undefined;
  /**
   * Where the sections lie, so a caller can copy or compare them without slicing: offsets into
   * `source` (for parseMessage's lines the whole message text; for an ASCII message also its byte
   * offsets). The series runs from seriesStart (after leading blanks) to seriesEnd; timeStart and
   * timeEnd are -1 when the line has no timestamp.
   */
  readonly source: string;
  readonly lineStart: number;
  readonly lineEnd: number;
  readonly seriesStart: number;
  readonly seriesEnd: number;
  readonly fieldsStart: number;
  readonly fieldsEnd: number;
  readonly timeStart: number;
  readonly timeEnd: number;
  /**
   * Offset in `source` of the comma before the tag whose key is written exactly as the `tagKey` given
   * to parseMessage (keys are unique in a line, so there is at most one); -1 when there is none or
   * none was asked for. The relay finds the `org` tag this way without searching the line again.
   */
  readonly tagStart: number;
  /**
   * Where that tag would be inserted when the line has none (tagStart -1), in key order as rewriteLine
   * does: the comma before the first tag whose key as written sorts after it, or seriesEnd; -1 when no
   * tagKey was asked for.
   */
  readonly tagInsertAt: number;
}

export interface ParseOptions {
  /** Longest line accepted, in UTF-8 bytes (default 64 KiB). */
  maxLineBytes?: number;
}

const TAB = 9;
const NEWLINE = 10;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const EQUALS = 61;
const BACKSLASH = 92;

// What a name is: plain numbers rather than enums, which compile to property loads in the hot loops.
const MEASUREMENT = 0;
const TAG_KEY = 1;
const TAG_VALUE = 2;
const FIELD_KEY = 3;
const KIND_NAMES = ["measurement", "tag key", "tag value", "field key"];

const FLOAT = 0;
const INTEGER = 1;
const UNSIGNED = 2;
const STRING = 3;
const BOOLEAN = 4;

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

// Scratch state shared by the scanners below; parsing is synchronous, so one set is enough.
let base = 0; // where the current line starts in its source text, for error columns
let nameHasEscape = false;
let measurementEnd = 0;
let measurementEscaped = false;
let fieldCount = 0;
let valueType = FLOAT;
let wantedKey: string | undefined; // parseRange's tagKey
let foundTag = -1; // where it is
let insertTag = -1; // where it would go, if a key sorts after it
let keyStarts = new Int32Array(64);
let keyEnds = new Int32Array(64);

/** A validated line: offsets into its source text; names and values are decoded when read. */
class Line implements ParsedLine {
  private decodedTags: Record<string, string> | undefined;
  private decodedFields: Record<string, FieldValue> | undefined;

  constructor(
    readonly source: string,
    readonly lineStart: number,
    readonly lineEnd: number,
    readonly seriesStart: number,
    private readonly measurementEnd: number,
    private readonly measurementEscaped: boolean,
    readonly seriesEnd: number,
    readonly fieldsStart: number,
    readonly fieldsEnd: number,
    readonly timeStart: number,
    readonly timeEnd: number,
    readonly tagStart: number,
    readonly tagInsertAt: number,
  ) {}

  get text(): string {
    return this.source.slice(this.lineStart, this.lineEnd);
  }

  get series(): string {
    return this.source.slice(this.seriesStart, this.seriesEnd);
  }

  get fieldsText(): string {
    return this.source.slice(this.fieldsStart, this.fieldsEnd);
  }

  get timestampText(): string | undefined {
    return this.timeStart === -1 ? undefined : this.source.slice(this.timeStart, this.timeEnd);
  }

  get measurement(): string {
    return decodeName(
      this.source,
      this.seriesStart,
      this.measurementEnd,
      MEASUREMENT,
      this.measurementEscaped,
    );
  }

  get tags(): Readonly<Record<string, string>> {
    if (this.decodedTags === undefined) {
      const tags: Record<string, string> = {};
      base = this.lineStart;
      scanSeries(this.source, this.seriesStart, this.lineEnd, tags);
      this.decodedTags = tags;
    }
    return this.decodedTags;
  }

  get fields(): Readonly<Record<string, FieldValue>> {
    if (this.decodedFields === undefined) {
      const fields: Record<string, FieldValue> = {};
      base = this.lineStart;
      scanFields(this.source, this.fieldsStart, this.lineEnd, fields);
      this.decodedFields = fields;
    }
    return this.decodedFields;
  }

  get timestamp(): bigint | undefined {
    return this.timeStart === -1 ? undefined : BigInt(this.source.slice(this.timeStart, this.timeEnd));
  }
}

/** Parses and validates one line (no line terminator). Throws LineProtocolError. */
export function parseLine(line: string, options?: ParseOptions): ParsedLine {
  if (!isWellFormed(line)) {
    throw new LineProtocolError(
      `line contains a lone UTF-16 surrogate at column ${loneSurrogateAt(line) + 1}; it cannot be encoded as UTF-8`,
    );
  }
  return parseRange(line, 0, line.length, options?.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
}

/**
 * Parses the line text[lineStart, lineEnd) in place, so a message is never cut into strings just to
 * be validated. The caller guarantees the text came from valid UTF-8.
 */
export function parseRange(
  text: string,
  lineStart: number,
  lineEnd: number,
  maxLineBytes: number,
  /** A tag key to locate (see ParsedLine.tagStart). */
  tagKey?: string,
): ParsedLine {
  const s = text;
  const n = lineEnd;
  base = lineStart;
  wantedKey = tagKey;
  foundTag = -1;
  insertTag = -1;
  checkLength(s, lineStart, n, maxLineBytes);
  let i = lineStart;
  while (i < n && (s.charCodeAt(i) === SPACE || s.charCodeAt(i) === TAB)) i++;
  if (i === n)
    throw new LineProtocolError("empty line: expected measurement[,tag=value] field=value [timestamp]");
  if (s.charCodeAt(i) === HASH) throw new LineProtocolError("line is a comment (starts with #), not a point");
  const start = i;

  const seriesEnd = scanSeries(s, start, n, undefined);
  const mEnd = measurementEnd;
  const mEscaped = measurementEscaped;
  i = seriesEnd;
  while (i < n && s.charCodeAt(i) === SPACE) i++;
  if (i === n) throw missingFields(s, start, seriesEnd);
  const fieldsStart = i;
  const fieldsEnd = scanFields(s, fieldsStart, n, undefined);
  checkSeriesKeyLength(s, start, seriesEnd, fieldsStart, fieldsEnd);

  i = fieldsEnd;
  while (i < n && s.charCodeAt(i) === SPACE) i++;
  let timeStart = -1;
  let timeEnd = -1;
  if (i < n) {
    timeStart = i;
    timeEnd = scanTimestamp(s, i, n);
    i = timeEnd;
    while (i < n && s.charCodeAt(i) === SPACE) i++;
    if (i < n) {
      throw new LineProtocolError(
        `unexpected text ${show(s.slice(i, n))} after the timestamp at column ${column(i)}; only spaces may follow it`,
      );
    }
  }
  return new Line(
    s,
    lineStart,
    n,
    start,
    mEnd,
    mEscaped,
    seriesEnd,
    fieldsStart,
    fieldsEnd,
    timeStart,
    timeEnd,
    foundTag,
    tagKey === undefined ? -1 : insertTag === -1 ? seriesEnd : insertTag,
  );
}

/** Sections of a line validated elsewhere (scan-bytes.ts), as offsets into `text`. */
export interface LineSections {
  start: number;
  measurementEnd: number;
  measurementEscaped: boolean;
  seriesEnd: number;
  fieldsStart: number;
  fieldsEnd: number;
  timeStart: number;
  timeEnd: number;
  tagStart: number;
  tagInsertAt: number;
}

/** A ParsedLine for text[lineStart, lineEnd), already validated with the given sections. */
export function lineFromSections(
  text: string,
  lineStart: number,
  lineEnd: number,
  at: LineSections,
): ParsedLine {
  return new Line(
    text,
    lineStart,
    lineEnd,
    at.start,
    at.measurementEnd,
    at.measurementEscaped,
    at.seriesEnd,
    at.fieldsStart,
    at.fieldsEnd,
    at.timeStart,
    at.timeEnd,
    at.tagStart,
    at.tagInsertAt,
  );
}

function column(i: number): number {
  return i - base + 1;
}

function checkLength(s: string, start: number, end: number, maxLineBytes: number): void {
  const chars = end - start;
  // A UTF-16 code unit takes 1 to 3 UTF-8 bytes, so most lines need no byte count.
  if (chars * 3 <= maxLineBytes) return;
  const bytes = Buffer.byteLength(s.slice(start, end), "utf8");
  if (bytes > maxLineBytes) {
    throw new LineProtocolError(`line is too long: ${bytes} bytes, the limit is ${maxLineBytes}`);
  }
}

const nativeIsWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isWellFormed(text: string): boolean {
  return nativeIsWellFormed !== undefined ? nativeIsWellFormed.call(text) : !loneSurrogate.test(text);
}

function loneSurrogateAt(text: string): number {
  return text.search(loneSurrogate);
}

/** Scans `measurement[,k=v...]` from `i`; returns the index of the space that ends it. */
function scanSeries(s: string, i: number, n: number, tags: Record<string, string> | undefined): number {
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

function decodeName(s: string, start: number, end: number, kind: number, escaped: boolean): string {
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

/**
 * Scans `key=value[,key=value...]` from `i`; returns the index after the last value. Leaves the field
 * keys' ranges in keyStarts/keyEnds[0, fieldCount).
 */
function scanFields(s: string, i: number, n: number, fields: Record<string, FieldValue> | undefined): number {
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
      const value = decodeValue(s, valueStart, i, valueType);
      setEntry(fields, decodeName(s, keyStart, keyEnd, FIELD_KEY, keyEscaped), value);
    }
    if (i === n || s.charCodeAt(i) === SPACE) return i;
    i++; // the comma
  }
}

/** Scans the value at `i` up to the comma, space or end that must follow it; sets valueType. */
function scanValue(s: string, i: number, n: number, keyStart: number, keyEnd: number): number {
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

/** End of an unquoted value: the next comma or space, or the end. */
function tokenEnd(s: string, i: number, n: number): number {
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === COMMA || c === SPACE) return i;
    i++;
  }
  return n;
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

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
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

function decodeValue(s: string, start: number, end: number, type: number): FieldValue {
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
function scanTimestamp(s: string, i: number, n: number): number {
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

function missingFields(s: string, start: number, end: number): LineProtocolError {
  const what = measurementEnd < end ? "tag set" : "measurement";
  return new LineProtocolError(
    `missing fields: expected a space and field=value after the ${what} ${show(s.slice(start, end))}`,
  );
}

/** InfluxDB refuses a point whose series key plus 4 plus a field key exceeds 65535 bytes. */
function checkSeriesKeyLength(
  s: string,
  start: number,
  seriesEnd: number,
  fieldsStart: number,
  fieldsEnd: number,
) {
  if ((seriesEnd - start + fieldsEnd - fieldsStart) * 3 + 4 <= MAX_SERIES_KEY_BYTES) return;
  const seriesBytes = Buffer.byteLength(s.slice(start, seriesEnd), "utf8");
  let fieldKeyBytes = 0;
  for (let k = 0; k < fieldCount; k++) {
    fieldKeyBytes = Math.max(fieldKeyBytes, Buffer.byteLength(s.slice(keyStarts[k]!, keyEnds[k]!), "utf8"));
  }
  if (seriesBytes + 4 + fieldKeyBytes > MAX_SERIES_KEY_BYTES) {
    throw new LineProtocolError(
      `series key too long: measurement and tags (${seriesBytes} bytes) plus field key (${fieldKeyBytes} bytes) exceed InfluxDB's ${MAX_SERIES_KEY_BYTES}`,
    );
  }
}

function show(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 61)}...` : text);
}
