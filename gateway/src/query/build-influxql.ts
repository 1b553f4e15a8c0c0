import { quoteIdentifier, quoteString } from "@platform-metrics/sdk/influx";
import { badRequest } from "../errors.js";
import type { Aggregate, StructuredQuery } from "./schema.js";
import { durationNs, formatNsDuration, parseTimeSpec, TIME_SPEC_HELP } from "./time-range.js";

// The only place InfluxQL text is built. Caller text only ever appears inside a quoted identifier or
// a string literal, escaped, so it cannot end the quote; every statement is pinned to one org.

export { quoteIdentifier, quoteString };

/**
 * `"tag"::tag = 'value'`. Without `::tag`, InfluxQL reads the name as a field when any point of the
 * measurement has a field of that name, whoever wrote it: a field called `org` would then undo the
 * org scoping (and one called `host` would empty another org's `where host`). Checked on influxd 1.6.7
 * for SELECT, SHOW MEASUREMENTS, SHOW TAG KEYS, SHOW TAG VALUES and SHOW SERIES.
 */
export function tagEquals(tag: string, value: string): string {
  return `${quoteIdentifier(tag)}::tag = ${quoteString(value)}`;
}

export function orgCondition(org: string): string {
  return tagEquals("org", org);
}

function aggregateCall(aggregate: Aggregate, field: string): string {
  const quoted = quoteIdentifier(field);
  // Per series, from the largest total of each bucket: a restart's reset to zero gives a gap, never a
  // negative rate (the Grafana panels of counters use the same).
  if (aggregate === "rate") return `NON_NEGATIVE_DERIVATIVE(MAX(${quoted}), 1s)`;
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
  /** Most series the answer may hold: more, and the query is refused (tooManySeries). */
  maxSeries: number;
  /** Points each series of the answer may hold, for the message of tooManySeries. */
  pointsPerSeries: number;
  fromNs: bigint;
  toNs: bigint;
}

const NARROW = "narrow the where, group by fewer tags, use a larger every or a shorter range";

/** The answer has more series than the point limit allows. */
export function tooManySeries(built: BuiltQuery): Error {
  return badRequest(
    `too many points: more than ${built.maxSeries} series of up to ${built.pointsPerSeries} points each; at most ${built.totalLimit} points are allowed (${NARROW})`,
    "too_many_points",
  );
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

function conditions(query: StructuredQuery, org: string): string[] {
  const all = [orgCondition(org)];
  for (const [tag, value] of Object.entries(query.where ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    const anyOf = values.map((one) => tagEquals(tag, one)).join(" OR ");
    all.push(values.length > 1 ? `(${anyOf})` : anyOf);
  }
  return all;
}

/**
 * Raw points grouped by tags need the number of series before the query is sent: it sets the points
 * per series (LIMIT), so series x points stays within the point limit. Aggregates need none: their
 * points per series are known (buckets), and SLIMIT bounds the series.
 */
export function needsSeriesCount(query: StructuredQuery): boolean {
  return !query.aggregate && (query.groupBy?.length ?? 0) > 0;
}

/** The org's series the query can read (index only: no points are read; all time, so an upper bound). */
export function seriesCountQuery(query: StructuredQuery, org: string): string {
  return `SHOW SERIES EXACT CARDINALITY FROM ${quoteIdentifier(query.measurement)} WHERE ${conditions(query, org).join(" AND ")}`;
}

/** Points of each field the org has in the query's range and series: `count_0`, `count_1`, ... */
export function fieldCountsQuery(query: StructuredQuery, org: string, fromNs: bigint, toNs: bigint): string {
  const counts = query.fields.map((field, i) => `COUNT(${quoteIdentifier(field)}) AS "count_${i}"`);
  const where = [...conditions(query, org), `time >= ${fromNs}`, `time <= ${toNs}`];
  return `SELECT ${counts.join(", ")} FROM ${quoteIdentifier(query.measurement)} WHERE ${where.join(" AND ")}`;
}

/**
 * The one SELECT of a query. What InfluxDB may send back is bounded before it is asked: aggregates get
 * at most maxPoints / buckets series (SLIMIT, one more to detect more), raw points at most
 * maxPoints / seriesCount per series (LIMIT), so no answer is much larger than the point limit.
 */
export function buildQuery(
  query: StructuredQuery,
  org: string,
  limits: QueryLimits,
  now: bigint,
  /** From seriesCountQuery, when needsSeriesCount. */
  seriesCount = 1,
): BuiltQuery {
  const { fromNs, toNs } = resolveRange(query.range, limits, now);

  const select = query.fields
    .map((field) =>
      query.aggregate
        ? `${aggregateCall(query.aggregate, field)} AS ${quoteIdentifier(field)}`
        : quoteIdentifier(field),
    )
    .join(", ");

  const where = [...conditions(query, org), `time >= ${fromNs}`, `time <= ${toNs}`];

  const groupBy: string[] = [];
  let pointsPerSeries = 1;
  if (query.every) {
    const everyNs = durationNs(query.every)!;
    const buckets = (toNs - fromNs) / everyNs + 1n;
    if (buckets > BigInt(limits.maxPoints)) {
      throw badRequest(
        `too many points: ${formatNsDuration(toNs - fromNs)} in buckets of ${query.every} gives ${buckets}; at most ${limits.maxPoints} are allowed (use a larger every or a shorter range)`,
        "too_many_points",
      );
    }
    pointsPerSeries = Number(buckets);
    groupBy.push(`time(${query.every})`);
  }
  for (const tag of query.groupBy ?? []) groupBy.push(quoteIdentifier(tag));

  let seriesLimit = Math.min(query.limit ?? limits.maxPoints, limits.maxPoints);
  let maxSeries = Math.floor(limits.maxPoints / pointsPerSeries);
  if (!query.aggregate) {
    maxSeries = limits.maxPoints;
    if (seriesCount > maxSeries) {
      throw badRequest(
        `too many points: the query reads ${seriesCount} series; at most ${limits.maxPoints} points are allowed (${NARROW})`,
        "too_many_points",
      );
    }
    seriesLimit = Math.min(seriesLimit, Math.floor(limits.maxPoints / Math.max(1, seriesCount)));
    pointsPerSeries = seriesLimit;
  }
  const parts = [
    `SELECT ${select}`,
    `FROM ${quoteIdentifier(query.measurement)}`,
    `WHERE ${where.join(" AND ")}`,
  ];
  if (groupBy.length > 0) parts.push(`GROUP BY ${groupBy.join(", ")}`);
  if (query.fill !== undefined) parts.push(`fill(${formatFill(query.fill)})`);
  parts.push(`LIMIT ${seriesLimit + 1}`);
  // InfluxDB 1.x applies SLIMIT in each shard, so more series may come back; they are refused then.
  if (query.aggregate && (query.groupBy?.length ?? 0) > 0) parts.push(`SLIMIT ${maxSeries + 1}`);
  return {
    influxql: parts.join(" "),
    seriesLimit,
    totalLimit: limits.maxPoints,
    maxSeries,
    pointsPerSeries,
    fromNs,
    toNs,
  };
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
