import type { InfluxSeries } from "../influx/replicas.js";
import { parseTimeSpec } from "../query/time-range.js";

// Answers in InfluxDB 1.x's JSON: {"results":[{"statement_id":0,"series":[...]}]}, or
// {"statement_id":n,"error":"..."}. Times come from influxd as RFC 3339; `epoch` turns them into
// integers, nanoseconds as exact integers (a JavaScript number cannot hold them).

export interface StatementAnswer {
  statement_id: number;
  series?: InfluxSeries[];
  error?: string;
}

const EPOCH_DIVISOR: Record<string, bigint> = {
  ns: 1n,
  n: 1n,
  u: 1_000n,
  µ: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

export const EPOCHS = Object.keys(EPOCH_DIVISOR);

function convertTimes(series: InfluxSeries, divisor: bigint): InfluxSeries {
  const at = series.columns.indexOf("time");
  if (at < 0) return series;
  const values = (series.values ?? []).map((row) => {
    const time = row[at];
    if (typeof time !== "string") return row;
    const ns = parseTimeSpec(time, 0n);
    if (ns === undefined || time === "now" || !time.includes("T")) return row;
    const copy = [...row];
    // Floor division, as influxd's epoch output for times before 1970 too.
    let scaled = ns / divisor;
    if (ns < 0n && ns % divisor !== 0n) scaled -= 1n;
    copy[at] = divisor === 1n ? scaled : Number(scaled);
    return copy;
  });
  return { ...series, values };
}

function json(value: unknown, indent: string | undefined, depth = 0): string {
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  const pad = indent === undefined ? "" : `\n${indent.repeat(depth + 1)}`;
  const end = indent === undefined ? "" : `\n${indent.repeat(depth)}`;
  const colon = indent === undefined ? ":" : ": ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[${value.map((item) => pad + json(item, indent, depth + 1)).join(",")}${end}]`;
  }
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  if (entries.length === 0) return "{}";
  return `{${entries.map(([key, item]) => `${pad}${JSON.stringify(key)}${colon}${json(item, indent, depth + 1)}`).join(",")}${end}}`;
}

export function formatResults(
  results: StatementAnswer[],
  epoch: string | undefined,
  pretty: boolean,
): string {
  const divisor = epoch === undefined ? undefined : EPOCH_DIVISOR[epoch];
  const converted = results.map((result) =>
    divisor === undefined || !result.series
      ? result
      : { ...result, series: result.series.map((one) => convertTimes(one, divisor)) },
  );
  return json({ results: converted }, pretty ? "    " : undefined);
}

export function formatError(message: string, pretty = false): string {
  return json({ error: message }, pretty ? "    " : undefined);
}
