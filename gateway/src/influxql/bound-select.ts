import type { SelectStatement } from "./ast.js";
import { printExpr, printSource } from "./print.js";
import { orgCondition, QueryRefused, type Range } from "./scope.js";
import { durationLiteralNs } from "./time-bounds.js";

// The point limit of the structured API, for an outermost SELECT: what influxd may send back is
// bounded before it is asked (LIMIT per series, SLIMIT on series, both one more than allowed so more
// can be told apart), and the answer is checked against the same figures.

export interface PointCheck {
  maxSeries: number;
  perSeries: number;
  maxPoints: number;
}

export interface BoundedSelect {
  select: SelectStatement;
  check: PointCheck;
}

/** Series a raw query over subqueries may return when it groups by tags (their count is unknown). */
const SUBQUERY_SERIES = 10;

const groupsByTags = (select: SelectStatement) =>
  select.groupBy.some((dimension) => dimension.kind !== "time");
const timeDimension = (select: SelectStatement) =>
  select.groupBy.find((dimension) => dimension.kind === "time");

/**
 * A raw query (no GROUP BY time) of measurements that may return more than one series per source
 * needs their number first: `SHOW SERIES EXACT CARDINALITY` of the org (an upper bound, index only).
 */
export function seriesCountQuery(select: SelectStatement, org: string): string | undefined {
  if (timeDimension(select) || select.sources.some((source) => source.kind === "subquery")) return undefined;
  if (!groupsByTags(select) && select.sources.every((source) => source.kind === "measurement"))
    return undefined;
  const sources = select.sources.map(printSource).join(", ");
  return `SHOW SERIES EXACT CARDINALITY FROM ${sources} WHERE ${printExpr(orgCondition(org))}`;
}

function tooMany(message: string): never {
  throw new QueryRefused(
    `too many points: ${message} (narrow the time range or the tags, use a larger GROUP BY time() or add LIMIT / SLIMIT)`,
  );
}

export function boundSelect(
  select: SelectStatement,
  range: Range,
  maxPoints: number,
  /** From seriesCountQuery, when it gave one. */
  seriesCount?: number,
): BoundedSelect {
  const time = timeDimension(select);
  let perSeries: number;
  let maxSeries: number;
  if (time?.kind === "time") {
    if (time.interval.kind !== "duration")
      throw new QueryRefused("GROUP BY time() needs a duration, like time(1m)");
    const interval = durationLiteralNs(time.interval.text);
    if (interval <= 0n)
      throw new QueryRefused(`GROUP BY time(${time.interval.text}) needs a positive duration`);
    const buckets = (range.to - range.from) / interval + 1n;
    perSeries =
      select.limit !== undefined && BigInt(select.limit) < buckets
        ? select.limit
        : Number(buckets > BigInt(maxPoints) + 1n ? BigInt(maxPoints) + 1n : buckets);
    if (perSeries > maxPoints)
      tooMany(
        `${buckets} buckets of ${time.interval.text} per series; at most ${maxPoints} points are allowed`,
      );
    maxSeries = Math.floor(maxPoints / Math.max(1, perSeries));
  } else {
    let series: number;
    if (seriesCount !== undefined) series = seriesCount;
    else if (select.sources.some((source) => source.kind === "subquery") && groupsByTags(select))
      series = Math.min(select.slimit ?? SUBQUERY_SERIES, SUBQUERY_SERIES);
    else series = select.sources.length;
    if (series > maxPoints)
      tooMany(`the query reads ${series} series; at most ${maxPoints} points are allowed`);
    maxSeries = Math.max(1, series);
    perSeries = Math.floor(maxPoints / maxSeries);
  }
  const bounded: SelectStatement = { ...select };
  if (bounded.limit === undefined || bounded.limit > perSeries) bounded.limit = perSeries + 1;
  if (bounded.slimit === undefined || bounded.slimit > maxSeries) bounded.slimit = maxSeries + 1;
  return { select: bounded, check: { maxSeries, perSeries, maxPoints } };
}

/** Undefined when the answer keeps to the check, else why not. */
export function exceeds(series: { values?: unknown[][] }[], check: PointCheck): string | undefined {
  if (series.length > check.maxSeries) {
    return `too many points: more than ${check.maxSeries} series of up to ${check.perSeries} points each; at most ${check.maxPoints} points are allowed (narrow the time range or the tags, or add SLIMIT)`;
  }
  let total = 0;
  for (const one of series) {
    const count = one.values?.length ?? 0;
    total += count;
    if (count > check.perSeries) {
      return `too many points: a series holds more than ${check.perSeries} points; at most ${check.maxPoints} points are allowed (narrow the time range, use a larger GROUP BY time() or add LIMIT)`;
    }
  }
  if (total > check.maxPoints)
    return `too many points: more than ${check.maxPoints} (narrow the time range or the tags)`;
  return undefined;
}
