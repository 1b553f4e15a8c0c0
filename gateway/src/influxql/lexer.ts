// The InfluxQL scanner's rules for the tokens the served subset uses (influxql/scanner.go in
// InfluxDB 1.x): quoted identifiers and strings with `\` escapes, `--` and `/* */` comments, durations
// like `10s` or `1h30m`, and regexes, which are only read where the grammar expects one.

export type Token =
  | { type: "word"; text: string; pos: number }
  | { type: "ident"; text: string; pos: number }
  | { type: "string"; text: string; pos: number }
  | { type: "integer"; text: string; pos: number }
  | { type: "number"; text: string; pos: number }
  | { type: "duration"; text: string; pos: number }
  | { type: "op"; text: string; pos: number }
  | { type: "param"; text: string; pos: number }
  | { type: "eof"; text: ""; pos: number };

export class InfluxQLSyntaxError extends Error {}

const OPERATORS = [
  "::",
  "!=",
  "<>",
  "<=",
  ">=",
  "=~",
  "!~",
  "=",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "%",
  "&",
  "|",
  "^",
  "(",
  ")",
  ",",
  ";",
  ".",
];
const DURATION_UNIT = /^(ns|ms|u|µ|s|m|h|d|w)/;
const ESCAPES: Record<string, string> = { n: "\n", "\\": "\\", "'": "'", '"': '"' };
// Control characters other than tab, in quoted text or a regex. influxd echoes the text of a query it
// refuses in a response header, where they are not allowed: the answer would not be valid HTTP, and
// the replica would be taken for failing.
function isControl(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return (code < 0x20 && code !== 0x09) || code === 0x7f;
}

function control(src: string, pos: number): never {
  const code = src.charCodeAt(pos).toString(16).padStart(4, "0");
  throw new InfluxQLSyntaxError(
    `control character U+${code.toUpperCase()} ${near(src, pos)}: write a newline as \\n, other control characters are not allowed`,
  );
}

export function near(src: string, pos: number): string {
  const bit = src.slice(pos, pos + 20);
  return pos >= src.length ? "at the end" : `at ${pos} near ${JSON.stringify(bit)}`;
}

/** Position after whitespace and comments. */
export function skipSpace(src: string, start: number): number {
  let pos = start;
  for (;;) {
    while (pos < src.length && /\s/.test(src[pos]!)) pos++;
    if (src.startsWith("--", pos)) {
      const end = src.indexOf("\n", pos);
      pos = end < 0 ? src.length : end + 1;
    } else if (src.startsWith("/*", pos)) {
      const end = src.indexOf("*/", pos + 2);
      if (end < 0) throw new InfluxQLSyntaxError(`unterminated comment ${near(src, pos)}`);
      pos = end + 2;
    } else return pos;
  }
}

function quoted(src: string, start: number, quote: string): { text: string; end: number } {
  let text = "";
  let pos = start + 1;
  while (pos < src.length) {
    const ch = src[pos]!;
    if (ch === quote) return { text, end: pos + 1 };
    if (ch === "\n") break;
    if (isControl(ch)) control(src, pos);
    if (ch === "\\") {
      const escaped = ESCAPES[src[pos + 1] ?? ""];
      if (escaped === undefined) {
        throw new InfluxQLSyntaxError(
          `bad escape ${JSON.stringify(src.slice(pos, pos + 2))} ${near(src, pos)}`,
        );
      }
      text += escaped;
      pos += 2;
      continue;
    }
    text += ch;
    pos++;
  }
  throw new InfluxQLSyntaxError(
    `unterminated ${quote === "'" ? "string" : "quoted identifier"} ${near(src, start)}`,
  );
}

/** The token at `start` (after whitespace and comments), and where it ends. */
export function scan(src: string, start: number): { token: Token; end: number } {
  const pos = skipSpace(src, start);
  if (pos >= src.length) return { token: { type: "eof", text: "", pos }, end: pos };
  const ch = src[pos]!;
  if (ch === '"' || ch === "'") {
    const { text, end } = quoted(src, pos, ch);
    return { token: { type: ch === '"' ? "ident" : "string", text, pos }, end };
  }
  if (/[A-Za-z_]/.test(ch)) {
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(pos, pos + 256))![0];
    return { token: { type: "word", text: word, pos }, end: pos + word.length };
  }
  if (ch === "$") {
    const word = /^\$[A-Za-z0-9_]*/.exec(src.slice(pos, pos + 256))![0];
    return { token: { type: "param", text: word, pos }, end: pos + word.length };
  }
  if (/[0-9]/.test(ch) || (ch === "." && /[0-9]/.test(src[pos + 1] ?? ""))) return number(src, pos);
  for (const op of OPERATORS) {
    if (src.startsWith(op, pos)) return { token: { type: "op", text: op, pos }, end: pos + op.length };
  }
  throw new InfluxQLSyntaxError(`unexpected ${JSON.stringify(ch)} ${near(src, pos)}`);
}

function number(src: string, pos: number): { token: Token; end: number } {
  const digits = /^[0-9]*(\.[0-9]+)?/.exec(src.slice(pos, pos + 64))![0];
  let end = pos + digits.length;
  if (!digits.includes(".")) {
    // 10s, 1h30m: integer and unit pairs, nothing between them.
    let text = "";
    let at = pos;
    for (;;) {
      const part = /^[0-9]+/.exec(src.slice(at, at + 32))?.[0];
      if (!part) break;
      const unit = DURATION_UNIT.exec(src.slice(at + part.length, at + part.length + 2))?.[0];
      if (!unit || /[A-Za-z0-9_]/.test(src[at + part.length + unit.length] ?? "")) break;
      text += part + unit;
      at += part.length + unit.length;
    }
    if (text) return { token: { type: "duration", text, pos }, end: at };
    if (/[A-Za-z_]/.test(src[end] ?? ""))
      throw new InfluxQLSyntaxError(`bad number or duration ${near(src, pos)}`);
    return { token: { type: "integer", text: digits, pos }, end };
  }
  if (/[A-Za-z_.]/.test(src[end] ?? "")) throw new InfluxQLSyntaxError(`bad number ${near(src, pos)}`);
  end = pos + digits.length;
  return { token: { type: "number", text: digits, pos }, end };
}

/** A `/regex/` at `start`; `\/` stands for `/` and any other escape stays as written. */
export function scanRegex(src: string, start: number): { pattern: string; end: number } | undefined {
  const pos = skipSpace(src, start);
  if (src[pos] !== "/") return undefined;
  let pattern = "";
  let at = pos + 1;
  while (at < src.length) {
    const ch = src[at]!;
    if (ch === "/") return { pattern, end: at + 1 };
    if (ch === "\n") break;
    if (isControl(ch)) control(src, at);
    if (ch === "\\" && src[at + 1] === "/") {
      pattern += "/";
      at += 2;
      continue;
    }
    if (ch === "\\" && at + 1 < src.length) {
      if (isControl(src[at + 1]!)) control(src, at + 1);
      pattern += src.slice(at, at + 2);
      at += 2;
      continue;
    }
    pattern += ch;
    at++;
  }
  throw new InfluxQLSyntaxError(`unterminated regex ${near(src, pos)}`);
}
