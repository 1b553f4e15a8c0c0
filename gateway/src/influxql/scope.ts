import { formatNsDuration } from "../query/time-range.js";
import type { Expr, SelectStatement, Source, Statement } from "./ast.js";
import { timeBounds } from "./time-bounds.js";

// Pins every statement to one org: the org condition is ANDed onto the WHERE of every SELECT that
// reads measurements, at every level of subqueries, and of every SHOW that can take one. The
// condition is `"org"::tag = '<org>'`: with `::tag`, a field named org cannot stand in for the tag.

/** A query the gateway will not run, answered 400 with the message. */
export class QueryRefused extends Error {}

export interface ScopeContext {
  org: string;
  now: bigint;
  maxRangeNs: bigint;
}

export interface Range {
  from: bigint;
  to: bigint;
}

export function orgCondition(org: string): Expr {
  return {
    kind: "binary",
    op: "=",
    left: { kind: "var", name: "org", cast: "tag" },
    right: { kind: "string", value: org },
  };
}

export function and(left: Expr | undefined, right: Expr): Expr {
  return left ? { kind: "binary", op: "AND", left, right } : right;
}

const timeCondition = (op: ">=" | "<=", ns: bigint): Expr => ({
  kind: "binary",
  op,
  left: { kind: "var", name: "time" },
  right: { kind: "integer", value: ns },
});

/** Every database a query names (`ON db`, `db.rp.measurement`), subqueries included. */
export function databasesNamed(statements: Statement[]): Set<string> {
  const names = new Set<string>();
  const fromSources = (sources: Source[]) => {
    for (const source of sources) {
      if (source.kind === "subquery") fromSources(source.select.sources);
      else if (source.db !== undefined) names.add(source.db);
    }
  };
  for (const statement of statements) {
    if ("on" in statement && statement.on !== undefined) names.add(statement.on);
    if ("sources" in statement) fromSources(statement.sources);
  }
  return names;
}

/** The database is the one of the request (checked by the caller): it goes, the replica's applies. */
function withoutDb(source: Source): Source {
  if (source.kind === "subquery") return source;
  const { db: _db, ...rest } = source;
  return rest;
}

/**
 * The SELECT pinned to the org, with the range it reads. A SELECT of measurements needs a lower time
 * bound, its own or its enclosing query's (then written into it, so influxd reads no more than
 * checked); without an upper bound it reads up to now, also written in.
 */
export function scopeSelect(
  select: SelectStatement,
  ctx: ScopeContext,
  inherited?: Range,
): { select: SelectStatement; range: Range } {
  const subqueries = select.sources.filter((source) => source.kind === "subquery").length;
  if (subqueries > 0 && subqueries < select.sources.length) {
    throw new QueryRefused("a FROM clause may hold subqueries or measurements, not both");
  }
  const own = timeBounds(select.where, ctx.now);
  let where = select.where;
  let from = own.from ?? inherited?.from;
  if (from === undefined) {
    throw new QueryRefused(
      "every SELECT needs a time range: add WHERE time >= ... (in Grafana, $timeFilter) to the outermost query",
    );
  }
  if (own.from === undefined) where = and(where, timeCondition(">=", from));
  let to = own.to ?? inherited?.to;
  if (to === undefined) to = ctx.now;
  if (own.to === undefined) where = and(where, timeCondition("<=", to));
  if (to < from) from = to;
  if (to - from > ctx.maxRangeNs) {
    throw new QueryRefused(
      `the time range spans ${formatNsDuration(to - from)}; at most ${formatNsDuration(ctx.maxRangeNs)} is allowed`,
    );
  }
  const range = { from, to };
  let sources: Source[];
  if (subqueries > 0) {
    sources = select.sources.map((source) =>
      source.kind === "subquery"
        ? { kind: "subquery", select: scopeSelect(source.select, ctx, range).select }
        : source,
    );
  } else {
    sources = select.sources.map(withoutDb);
    where = and(where, orgCondition(ctx.org));
  }
  return { select: { ...select, sources, ...(where ? { where } : {}) }, range };
}

/** A SHOW statement pinned to the org, or the statement unchanged when it holds no org's data. */
export function scopeShow<T extends Exclude<Statement, SelectStatement>>(statement: T, org: string): T {
  const { on: _on, ...rest } = statement as T & { on?: string };
  const scoped = rest as T;
  if ("sources" in scoped) (scoped as { sources: Source[] }).sources = scoped.sources.map(withoutDb);
  switch (scoped.kind) {
    case "showMeasurements":
    case "showTagKeys":
    case "showTagValues":
    case "showSeries":
      return { ...scoped, where: and(scoped.where, orgCondition(org)) };
    default:
      return scoped;
  }
}

/**
 * InfluxDB's `rp` parameter (Grafana sends it for a chosen retention policy): the retention policy of
 * every measurement the statement names without one, subqueries included.
 */
export function withRetentionPolicy<T extends Statement>(statement: T, rp: string): T {
  const apply = (sources: Source[]): Source[] =>
    sources.map((source) => {
      if (source.kind === "subquery")
        return { kind: "subquery", select: withRetentionPolicy(source.select, rp) };
      return source.rp === undefined && source.db === undefined ? { ...source, rp } : source;
    });
  return "sources" in statement ? { ...statement, sources: apply(statement.sources) } : statement;
}
