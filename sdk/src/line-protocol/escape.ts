import { LineProtocolError } from "./types.js";

// InfluxDB 1.x unescapes only `\,`, `\ ` and `\=` in names and tag values; any other backslash stays
// literal. A backslash right before one of those characters, or at the end, therefore cannot be written
// so that InfluxDB reads the same string back. 1.x also unescapes `\"` in measurements and field keys,
// where newer versions keep the backslash. Control characters are refused too: 1.x strips leading tabs
// and the 2.x parser refuses them. Lone UTF-16 surrogates have no UTF-8 form at all.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const suspectChar = /[\x00-\x1f\x7f\\\uD800-\uDFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const controlChar = /[\x00-\x1f\x7f]/;
const backslashBeforeDelimiter = /\\[, =]/;

function checkName(kind: string, value: string): void {
  if (value.length === 0) throw new LineProtocolError(`${kind} is empty`);
  if (!suspectChar.test(value)) return;
  let problem: string | undefined;
  if (controlChar.test(value)) problem = "a control character (newline, tab, ...)";
  else if (value.endsWith("\\")) problem = "a trailing backslash";
  else if (backslashBeforeDelimiter.test(value)) problem = "a backslash before , = or space";
  else if ((kind === "measurement" || kind === "field key") && value.includes('\\"')) {
    problem = 'a backslash before "';
  } else if (!isWellFormed(value)) problem = "a lone UTF-16 surrogate (no UTF-8 form)";
  if (problem !== undefined) {
    throw new LineProtocolError(
      `${kind} ${JSON.stringify(value)} cannot be written as line protocol: it contains ${problem}`,
    );
  }
}

const nativeIsWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a string has no lone UTF-16 surrogate, i.e. can be encoded as UTF-8. */
export function isWellFormed(value: string): boolean {
  return nativeIsWellFormed !== undefined ? nativeIsWellFormed.call(value) : !loneSurrogate.test(value);
}

export function escapeMeasurement(name: string): string {
  checkName("measurement", name);
  if (name.startsWith("#"))
    throw new LineProtocolError(`measurement ${JSON.stringify(name)} starts with #, which marks a comment`);
  return name.replace(/[, ]/g, "\\$&");
}

/**
 * Whether a tag key, tag value or field key needs escaping or checking: a control character, space,
 * comma, equals sign, backslash, DEL or a UTF-16 surrogate. A loop over char codes is cheaper than a
 * regular expression for the short strings names and values are.
 */
function keyNeedsWork(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x2c || c === 0x3d || c === 0x5c || c === 0x7f || (c >= 0xd800 && c <= 0xdfff))
      return true;
  }
  return false;
}

/** Escapes a tag key, tag value or field key. */
export function escapeKey(kind: "tag key" | "tag value" | "field key", value: string): string {
  // Most names and values need nothing: one scan, and no new string.
  if (value.length > 0 && !keyNeedsWork(value)) return value;
  checkName(kind, value);
  return value.replace(/[, =]/g, "\\$&");
}

export function escapeStringField(value: string): string {
  if (!isWellFormed(value)) {
    throw new LineProtocolError(
      `string value ${JSON.stringify(value)} contains a lone UTF-16 surrogate, which has no UTF-8 form`,
    );
  }
  return `"${value.replace(/[\\"]/g, "\\$&")}"`;
}
