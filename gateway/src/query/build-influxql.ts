import { badRequest } from "../errors.js";
import type { Aggregate, StructuredQuery } from "./schema.js";
import { durationNs, formatNsDuration, parseTimeSpec, TIME_SPEC_HELP } from "./time-range.js";

// The only place InfluxQL text is built. Caller text only ever appears inside a quoted identifier or
// a string literal, escaped, so it cannot end the quote; every statement is pinned to one org.

/** `"name"`, with `\` and `"` escaped as the InfluxQL scanner reads them. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** `'value'`, with `\` and `'` escaped. */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

export function orgCondition(org: string): string {
  return `${quoteIdentifier("org")} = ${quoteString(org)}`;
}

function aggregateCall(aggregate: Aggregate, field: string): string {
  const quoted = quoteIdentifier(field);
  const percentile = /^p(\d+)$/.exec(aggregate);
  if (percentile) return `PERCENTILE(${quoted}, ${percentile[1]})`;
  return `${aggregate.toUpperCase()}(${quoted})`;
}

function formatFill(fill: NonNullable<StructuredQuery["fill"]>): string {
  if (typeof fill === "string") return fill;
  // InfluxQL reads plain decimals only, never exponents.
  return Number.isInteger(fill) ? fill.toFixed(0) : fill.toFixed(12).replace(/0+$/, "");
}

export interface QueryLimits {
  maxRangeNs: bigint;
  maxPoints: number;
}

export interface BuiltQuery {
  influxql: string;
  /** Points per series; the statement asks for one more to detect truncation. */
  seriesLimit: number;
  /** Points in all series together. */
  totalLimit: number;
  fromNs: bigint;
  toNs: bigint;
}

export function resolveRange(
  range: StructuredQuery["range"],
  limits: QueryLimits,
  now: bigint,
): { fromNs: bigint; toNs: bigint } {
  const fromNs = parseTimeSpec(range.from, now);
  if (fromNs === undefined) {
    throw badRequest(`range.from ${JSON.stringify(range.from)}: ${TIME_SPEC_HELP}`, "bad_range");
  }
  const toNs = range.to === undefined ? now : parseTimeSpec(range.to, now);
  if (toNs === undefined) {
    throw badRequest(`range.to ${JSON.stringify(range.to)}: ${TIME_SPEC_HELP}`, "bad_range");
  }
  if (fromNs >= toNs) throw badRequest("range.from must be before range.to", "bad_range");
  if (toNs - fromNs > limits.maxRangeNs) {
    throw badRequest(
      `the range spans ${formatNsDuration(toNs - fromNs)}; at most ${formatNsDuration(limits.maxRangeNs)} is allowed`,
      "range_too_large",
    );
  }
  return { fromNs, toNs };
}

export function buildQuery(
  query: StructuredQuery,
  org: string,
  limits: QueryLimits,
  now: bigint,
): BuiltQuery {
  const { fromNs, toNs } = resolveRange(query.range, limits, now);

  const select = query.fields
    .map((field) =>
      query.aggregate
        ? `${aggregateCall(query.aggregate, field)} AS ${quoteIdentifier(field)}`
        : quoteIdentifier(field),
    )
    .join(", ");

  const conditions = [orgCondition(org), `time >= ${fromNs}`, `time <= ${toNs}`];
  for (const [tag, value] of Object.entries(query.where ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    const anyOf = values.map((one) => `${quoteIdentifier(tag)} = ${quoteString(one)}`).join(" OR ");
    conditions.push(values.length > 1 ? `(${anyOf})` : anyOf);
  }

  const groupBy: string[] = [];
  if (query.every) {
    const everyNs = durationNs(query.every)!;
    const buckets = (toNs - fromNs) / everyNs + 1n;
    if (buckets > BigInt(limits.maxPoints)) {
      throw badRequest(
        `too many points: ${formatNsDuration(toNs - fromNs)} in buckets of ${query.every} gives ${buckets}; at most ${limits.maxPoints} are allowed (use a larger every or a shorter range)`,
        "too_many_points",
      );
    }
    groupBy.push(`time(${query.every})`);
  }
  for (const tag of query.groupBy ?? []) groupBy.push(quoteIdentifier(tag));

  const seriesLimit = Math.min(query.limit ?? limits.maxPoints, limits.maxPoints);
  const parts = [
    `SELECT ${select}`,
    `FROM ${quoteIdentifier(query.measurement)}`,
    `WHERE ${conditions.join(" AND ")}`,
  ];
  if (groupBy.length > 0) parts.push(`GROUP BY ${groupBy.join(", ")}`);
  if (query.fill !== undefined) parts.push(`fill(${formatFill(query.fill)})`);
  parts.push(`LIMIT ${seriesLimit + 1}`);
  return { influxql: parts.join(" "), seriesLimit, totalLimit: limits.maxPoints, fromNs, toNs };
}

/** Discovery statements, each pinned to the org. */
export const discovery = {
  measurements: (org: string, limit: number) => `SHOW MEASUREMENTS WHERE ${orgCondition(org)} LIMIT ${limit}`,
  tagKeys: (measurement: string, org: string) =>
    `SHOW TAG KEYS FROM ${quoteIdentifier(measurement)} WHERE ${orgCondition(org)}`,
  tagValues: (measurement: string, tag: string, org: string, limit: number) =>
    `SHOW TAG VALUES FROM ${quoteIdentifier(measurement)} WITH KEY = ${quoteIdentifier(tag)} WHERE ${orgCondition(org)} LIMIT ${limit}`,
  /** Not org-scoped in InfluxDB 1.x: only used to learn types, filtered by `fieldCounts`. */
  fieldKeys: (measurement: string) => `SHOW FIELD KEYS FROM ${quoteIdentifier(measurement)}`,
  fieldCounts: (measurement: string, org: string, fromNs: bigint) =>
    `SELECT COUNT(*) FROM ${quoteIdentifier(measurement)} WHERE ${orgCondition(org)} AND time >= ${fromNs}`,
  orgs: (limit: number) => `SHOW TAG VALUES WITH KEY = ${quoteIdentifier("org")} LIMIT ${limit}`,
};
