import { RESERVED_TAGS } from "@platform-metrics/sdk";
import type { InfluxSeries, Replicas } from "../influx/replicas.js";
import type { SelectStatement, Source, Statement } from "./ast.js";
import { boundSelect, exceeds, seriesCountQuery } from "./bound-select.js";
import { expandsKeys, hideForeignKeys } from "./hide-keys.js";
import { printExpr, printSelect, printSource, printStatement } from "./print.js";
import { and, orgCondition, QueryRefused, scopeSelect, scopeShow } from "./scope.js";

// Runs the statements of one request, each pinned to the org, on the replicas (with their failover),
// one after another as influxd does.

/** Most names one SHOW statement lists, as in the discovery routes. */
export const SHOW_LIMIT = 10_000;

export interface RunContext {
  replicas: Replicas;
  org: string;
  now: bigint;
  maxRangeNs: bigint;
  maxPoints: number;
  /** SHOW FIELD KEYS lists the fields the org has points of this recently. */
  discoveryRangeMs: number;
  /** What SHOW DATABASES lists. */
  databases: string[];
  /** Aborted when the caller hangs up: the InfluxDB query stops. */
  signal: AbortSignal;
  /** Told which replica answered. */
  answeredBy(replica: string): void;
}

/** A statement ready to run; preparing all first refuses a bad one before any of them runs. */
export type Prepared = (context: RunContext) => Promise<InfluxSeries[] | undefined>;

async function ask(context: RunContext, influxql: string): Promise<InfluxSeries[] | undefined> {
  const answer = await context.replicas.query(influxql, context.signal);
  context.answeredBy(answer.replica);
  return answer.results[0]?.series;
}

function capped<T extends { limit?: number }>(statement: T): T {
  return statement.limit === undefined || statement.limit > SHOW_LIMIT
    ? { ...statement, limit: SHOW_LIMIT }
    : statement;
}

function prepareSelect(
  statement: SelectStatement,
  context: Pick<RunContext, "org" | "now" | "maxRangeNs" | "maxPoints">,
): Prepared {
  const { select, range } = scopeSelect(statement, context);
  const countQuery = seriesCountQuery(select, context.org);
  const expands = expandsKeys(select);
  // A range or bucket count beyond the limits is refused now, before any statement runs.
  const unchecked = boundSelect(select, range, context.maxPoints, countQuery ? 1 : undefined);
  return async (run) => {
    let bounded = unchecked;
    if (countQuery) {
      const counted = await ask(run, countQuery);
      const count = (counted ?? []).reduce((sum, one) => sum + Number(one.values?.[0]?.[0] ?? 0), 0);
      bounded = boundSelect(select, range, run.maxPoints, count);
    }
    const series = await ask(run, printSelect(bounded.select));
    const problem = exceeds(series ?? [], bounded.check);
    if (problem) throw new QueryRefused(problem);
    return series && expands ? hideForeignKeys(series) : series;
  };
}

/**
 * SHOW FIELD KEYS is not org-scoped in InfluxDB 1.x (it lists every org's fields), so, as in the
 * discovery routes, a field is listed only when the org has points of it within the discovery window,
 * and never one named like a platform tag.
 */
function prepareFieldKeys(statement: Extract<Statement, { kind: "showFieldKeys" }>, org: string): Prepared {
  const scoped = scopeShow(statement, org);
  const keys = printStatement({ ...scoped, limit: undefined, offset: undefined });
  const sources: Source[] = scoped.sources.length > 0 ? scoped.sources : [{ kind: "regex", pattern: ".*" }];
  return async (run) => {
    const since = run.now - BigInt(run.discoveryRangeMs) * 1_000_000n;
    const where = and(orgCondition(org), {
      kind: "binary",
      op: ">=",
      left: { kind: "var", name: "time" },
      right: { kind: "integer", value: since },
    });
    const counts = `SELECT COUNT(*) FROM ${sources.map(printSource).join(", ")} WHERE ${printExpr(where)}`;
    const counted = new Map<string, Set<string>>();
    for (const series of (await ask(run, counts)) ?? []) {
      const seen = new Set<string>();
      const row = series.values?.[0] ?? [];
      series.columns.forEach((column, index) => {
        const count = row[index];
        if (column.startsWith("count_") && typeof count === "number" && count > 0) seen.add(column.slice(6));
      });
      counted.set(series.name, seen);
    }
    const listed: InfluxSeries[] = [];
    const skip = statement.offset ?? 0;
    const take = Math.min(statement.limit ?? SHOW_LIMIT, SHOW_LIMIT);
    for (const series of (await ask(run, keys)) ?? []) {
      const own = counted.get(series.name);
      const values = (series.values ?? []).filter(([field]) => {
        const name = String(field);
        return own?.has(name) && !(RESERVED_TAGS as readonly string[]).includes(name);
      });
      if (values.length === 0) continue;
      // LIMIT and OFFSET count the fields of each measurement, as in influxd.
      const kept = values.slice(skip, skip + take);
      if (kept.length > 0) listed.push({ ...series, values: kept });
    }
    return listed;
  };
}

/** One statement pinned to the org; throws QueryRefused for what the limits do not allow. */
export function prepareStatement(
  statement: Statement,
  context: Pick<RunContext, "org" | "now" | "maxRangeNs" | "maxPoints" | "databases">,
): Prepared {
  switch (statement.kind) {
    case "select":
      return prepareSelect(statement, context);
    case "showDatabases": {
      const values = context.databases.map((name) => [name]);
      return async () => [{ name: "databases", columns: ["name"], values }];
    }
    case "showFieldKeys":
      return prepareFieldKeys(statement, context.org);
    case "showMeasurements":
    case "showTagValues":
    case "showSeries": {
      const influxql = printStatement(capped(scopeShow(statement, context.org)));
      return (run) => ask(run, influxql);
    }
    default: {
      const influxql = printStatement(scopeShow(statement, context.org));
      return (run) => ask(run, influxql);
    }
  }
}
