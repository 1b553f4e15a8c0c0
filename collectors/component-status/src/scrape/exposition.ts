// Prometheus text format 0.0.4 and OpenMetrics 1.0 text: the two differ in timestamps (ms vs
// seconds), `# EOF`, `# UNIT` and exemplars; a sample line is otherwise the same. One bad line is
// counted and skipped; the lines around it are kept.
import { SampleSink } from "./sample.js";

export type ExpositionFormat = "prometheus" | "openmetrics";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TYPES = new Set([
  "counter",
  "gauge",
  "histogram",
  "gaugehistogram",
  "summary",
  "info",
  "stateset",
  "untyped",
  "unknown",
]);

class LineError extends Error {}

export function parseExposition(text: string, format: ExpositionFormat, maxSeries: number): SampleSink {
  const sink = new SampleSink(maxSeries);
  let lineNumber = 0;
  for (const raw of text.split("\n")) {
    lineNumber++;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") continue;
    try {
      if (line.startsWith("#")) {
        if (readComment(line) === "eof" && format === "openmetrics") break;
        continue;
      }
      const sample = readSample(line, format);
      sink.add(sample);
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      sink.problem(`line ${lineNumber}: ${error.message}: ${JSON.stringify(line.slice(0, 120))}`);
    }
  }
  return sink;
}

/** Checks `# TYPE` lines (a wrong one is a sign of garbage); other comments are free text. */
function readComment(line: string): "eof" | undefined {
  if (line === "# EOF") return "eof";
  const match = /^#\s+TYPE\s+(\S+)\s+(\S+)\s*$/.exec(line);
  if (line.match(/^#\s+TYPE\s/) && (!match || !TYPES.has(match[2]!) || !METRIC_NAME.test(match[1]!)))
    throw new LineError("a TYPE line without a metric name and a known type");
  return undefined;
}

function readSample(line: string, format: ExpositionFormat) {
  const name = METRIC_NAME.exec(line)?.[0];
  if (name === undefined) throw new LineError("no metric name");
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === "{") at = readLabels(line, at + 1, labels);
  const rest = line.slice(at);
  if (!/^[ \t]/.test(rest)) throw new LineError("no value after the metric name and labels");
  // An OpenMetrics exemplar follows " # ".
  const tokens = rest
    .split(/ # /, 1)[0]!
    .trim()
    .split(/[ \t]+/);
  if (tokens.length > 2) throw new LineError("more than a value and a timestamp");
  const value = readValue(tokens[0]!);
  const timestamp = tokens[1] === undefined ? undefined : readTimestamp(tokens[1], format);
  return { name, labels, value: { type: "float" as const, value }, timestamp };
}

const LABEL_NAME_AT = /[a-zA-Z_][a-zA-Z0-9_]*/y;

function readLabels(line: string, start: number, labels: Record<string, string>): number {
  let at = skipBlanks(line, start);
  while (line[at] !== "}") {
    LABEL_NAME_AT.lastIndex = at;
    const name = LABEL_NAME_AT.exec(line)?.[0];
    if (name === undefined) throw new LineError(`a label name expected at column ${at + 1}`);
    at = skipBlanks(line, at + name.length);
    if (line[at] !== "=") throw new LineError(`= expected after label ${name}`);
    at = skipBlanks(line, at + 1);
    if (line[at] !== '"') throw new LineError(`a quoted value expected for label ${name}`);
    const [value, end] = readQuoted(line, at + 1, name);
    if (Object.hasOwn(labels, name)) throw new LineError(`label ${name} given twice`);
    labels[name] = value;
    at = skipBlanks(line, end + 1);
    if (line[at] === ",") at = skipBlanks(line, at + 1);
    else if (line[at] !== "}") throw new LineError(`, or } expected after label ${name}`);
  }
  return at + 1;
}

/** A label value from after its opening quote: the value, and where its closing quote is. */
function readQuoted(line: string, start: number, name: string): [string, number] {
  let value = "";
  let at = start;
  for (;;) {
    const quote = line.indexOf('"', at);
    if (quote < 0) throw new LineError(`the value of label ${name} is not closed`);
    const backslash = line.indexOf("\\", at);
    if (backslash < 0 || backslash > quote) return [value + line.slice(at, quote), quote];
    const next = line[backslash + 1];
    if (next === "n") value += `${line.slice(at, backslash)}\n`;
    else if (next === "\\" || next === '"') value += line.slice(at, backslash) + next;
    else throw new LineError(`unknown escape \\${next ?? ""} in label ${name}`);
    at = backslash + 2;
  }
}

function skipBlanks(line: string, at: number): number {
  while (line[at] === " " || line[at] === "\t") at++;
  return at;
}

function readValue(token: string): number {
  const lower = token.toLowerCase();
  if (lower === "nan") return Number.NaN;
  if (lower === "+inf" || lower === "inf") return Number.POSITIVE_INFINITY;
  if (lower === "-inf") return Number.NEGATIVE_INFINITY;
  if (!DECIMAL.test(token)) throw new LineError(`value ${JSON.stringify(token)} is not a number`);
  return Number(token);
}

/** Prometheus text: integer milliseconds. OpenMetrics: seconds, maybe with a fraction. */
function readTimestamp(token: string, format: ExpositionFormat): bigint {
  if (format === "prometheus") {
    if (!/^-?\d{1,16}$/.test(token))
      throw new LineError(`timestamp ${JSON.stringify(token)} is not milliseconds`);
    return BigInt(token) * 1_000_000n;
  }
  const match = /^(-?)(\d{1,12})(?:\.(\d{1,9})\d*)?$/.exec(token);
  if (!match) throw new LineError(`timestamp ${JSON.stringify(token)} is not seconds`);
  const ns = BigInt(match[2]!) * 1_000_000_000n + BigInt((match[3] ?? "").padEnd(9, "0"));
  return match[1] === "-" ? -ns : ns;
}
