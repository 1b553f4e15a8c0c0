import type { InfluxSeries } from "../influx/replicas.js";

export interface Series {
  measurement: string;
  tags: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface QueryResult {
  series: Series[];
  meta: { replica: string; truncated: boolean };
}

/** Influx series -> API series, at most `seriesLimit` points each and `totalLimit` in all. */
export function toQueryResult(
  influx: InfluxSeries[] | undefined,
  replica: string,
  limits: { seriesLimit: number; totalLimit: number },
): QueryResult {
  let left = limits.totalLimit;
  let truncated = false;
  const series: Series[] = [];
  for (const one of influx ?? []) {
    if (left <= 0) {
      truncated = true;
      break;
    }
    const values = one.values ?? [];
    const keep = Math.min(left, limits.seriesLimit);
    if (values.length > keep) truncated = true;
    const kept = values.length > keep ? values.slice(0, keep) : values;
    left -= kept.length;
    series.push({ measurement: one.name, tags: one.tags ?? {}, columns: one.columns, values: kept });
  }
  return { series, meta: { replica, truncated } };
}

// A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"); a
// leading single quote makes it text. Only text is escaped: numbers (-1.5) stay numbers.
const FORMULA_START = /^[=+\-@\t\r]/;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per point: measurement, the group-by tags, then the columns (time first). */
export function toCsv(result: QueryResult): string {
  const tagKeys = [...new Set(result.series.flatMap((one) => Object.keys(one.tags)))].sort();
  const columns = result.series[0]?.columns ?? ["time"];
  const lines = [["measurement", ...tagKeys, ...columns].map(csvCell).join(",")];
  for (const one of result.series) {
    const prefix = [one.measurement, ...tagKeys.map((key) => one.tags[key] ?? "")];
    for (const row of one.values) lines.push([...prefix, ...row].map(csvCell).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}
