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
import { DEFAULT_MAX_LINE_BYTES } from "./limits.js";
import { Line, type ParsedLine } from "./parsed-line.js";
import { column, current, HASH, SPACE, show, TAB } from "./scan-common.js";
import {
  checkSeriesKeyLength,
  missingFields,
  scanFields,
  scannedMeasurementEnd,
  scannedMeasurementEscaped,
  scannedTag,
  scannedTagInsert,
  scanSeries,
  startLine,
} from "./scan-sections.js";
import { scanTimestamp } from "./scan-value.js";
import { LineProtocolError } from "./types.js";

export { type LineSections, lineFromSections, type ParsedLine } from "./parsed-line.js";

export interface ParseOptions {
  /** Longest line accepted, in UTF-8 bytes (default 64 KiB). */
  maxLineBytes?: number;
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
  current.base = lineStart;
  startLine(tagKey);
  checkLength(s, lineStart, n, maxLineBytes);
  let i = lineStart;
  while (i < n && (s.charCodeAt(i) === SPACE || s.charCodeAt(i) === TAB)) i++;
  if (i === n)
    throw new LineProtocolError("empty line: expected measurement[,tag=value] field=value [timestamp]");
  if (s.charCodeAt(i) === HASH) throw new LineProtocolError("line is a comment (starts with #), not a point");
  const start = i;

  const seriesEnd = scanSeries(s, start, n, undefined);
  const measurementEnd = scannedMeasurementEnd();
  const measurementEscaped = scannedMeasurementEscaped();
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
    measurementEnd,
    measurementEscaped,
    seriesEnd,
    fieldsStart,
    fieldsEnd,
    timeStart,
    timeEnd,
    scannedTag(),
    tagKey === undefined ? -1 : scannedTagInsert() === -1 ? seriesEnd : scannedTagInsert(),
  );
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
