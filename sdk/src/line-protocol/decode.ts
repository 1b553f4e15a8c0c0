import type { FieldValue } from "./types.js";

export interface DecodedLine {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  timestamp?: bigint;
}

const SPACE = 32;
const COMMA = 44;
const EQUALS = 61;
const BACKSLASH = 92;
const QUOTE = 34;

/**
 * Reads back a line the SDK encoded itself (encodePoint, PointBuilder), so the test kit can show the
 * points as they go out. It trusts its input: a line from elsewhere must go through parseLine, the
 * strict parser, which a collector's bundle does not carry.
 */
export function decodeLine(line: string): DecodedLine {
  let at = 0;
  const token = (stops: (c: number) => boolean): string => {
    let text = "";
    let from = at;
    while (at < line.length && !stops(line.charCodeAt(at))) {
      if (line.charCodeAt(at) === BACKSLASH && isDelimiter(line.charCodeAt(at + 1))) {
        text += line.slice(from, at);
        from = at + 1;
        at += 2;
      } else at++;
    }
    return text + line.slice(from, at);
  };
  const measurement = token((c) => c === COMMA || c === SPACE);
  const tags: Record<string, string> = {};
  while (line.charCodeAt(at) === COMMA) {
    at++;
    const key = token((c) => c === EQUALS);
    at++;
    setEntry(
      tags,
      key,
      token((c) => c === COMMA || c === SPACE),
    );
  }
  const fields: Record<string, FieldValue> = {};
  do {
    at++;
    const key = token((c) => c === EQUALS);
    at++;
    setEntry(fields, key, line.charCodeAt(at) === QUOTE ? stringValue() : scalarValue());
  } while (line.charCodeAt(at) === COMMA);
  const rest = line.slice(at).trim();
  return { measurement, tags, fields, ...(rest === "" ? {} : { timestamp: BigInt(rest) }) };

  function stringValue(): FieldValue {
    let text = "";
    at++;
    while (at < line.length && line.charCodeAt(at) !== QUOTE) {
      if (line.charCodeAt(at) === BACKSLASH) at++;
      text += line[at];
      at++;
    }
    at++;
    return { type: "string", value: text };
  }

  function scalarValue(): FieldValue {
    const start = at;
    while (at < line.length && line.charCodeAt(at) !== COMMA && line.charCodeAt(at) !== SPACE) at++;
    const text = line.slice(start, at);
    const last = text[text.length - 1];
    if (last === "i") return { type: "integer", value: BigInt(text.slice(0, -1)) };
    if (last === "u") return { type: "unsigned", value: BigInt(text.slice(0, -1)) };
    if (/^(t|true)$/i.test(text)) return { type: "boolean", value: true };
    if (/^(f|false)$/i.test(text)) return { type: "boolean", value: false };
    return { type: "float", value: Number(text) };
  }
}

/** Sets a key on a plain object, also when the key is "__proto__". */
function setEntry<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else target[key] = value;
}

function isDelimiter(c: number): boolean {
  return c === COMMA || c === EQUALS || c === SPACE;
}
