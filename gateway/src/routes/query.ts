import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { resolveOrg } from "../auth/principal.js";
import type { Catalogue } from "../catalogue/catalogue.js";
import { badRequest, HttpError } from "../errors.js";
import type { InfluxSeries, ReplicaAnswer, Replicas } from "../influx/replicas.js";
import {
  type BuiltQuery,
  buildQuery,
  fieldCountsQuery,
  needsSeriesCount,
  type QueryLimits,
  resolveRange,
  seriesCountQuery,
  tooManySeries,
} from "../query/build-influxql.js";
import { toCsv, toQueryResult } from "../query/response.js";
import { describeIssues, querySchema, type StructuredQuery } from "../query/schema.js";
import { nowNs } from "../query/time-range.js";

export interface QueryRouteOptions {
  replicas: Replicas;
  limits: QueryLimits;
  catalogue: Catalogue;
}

function wantsCsv(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? "";
  return /\btext\/csv\b/i.test(accept) && !/\bapplication\/json\b/i.test(accept);
}

/** The series with a null column for each field the org has no points of, as InfluxDB answers. */
function withNullColumns(series: InfluxSeries[] | undefined, fields: string[]): InfluxSeries[] | undefined {
  return series?.map((one) => {
    const at = new Map(one.columns.map((name, index) => [name, index]));
    const columns = ["time", ...fields];
    const values = one.values.map((row) => columns.map((name) => (at.has(name) ? row[at.get(name)!] : null)));
    return { ...one, columns, values };
  });
}

export const queryRoutes: FastifyPluginAsync<QueryRouteOptions> = async (
  app,
  { replicas, limits, catalogue },
) => {
  const prepare = async (request: FastifyRequest, query: StructuredQuery, org: string) => {
    const now = nowNs();
    if (!needsSeriesCount(query)) return buildQuery(query, org, limits, now);
    resolveRange(query.range, limits, now); // a bad range is refused before any query is sent
    const counted = await replicas.query(seriesCountQuery(query, org), request.signal);
    const count = counted.results[0]?.series?.[0]?.values[0]?.[0];
    return buildQuery(query, org, limits, now, typeof count === "number" ? count : 0);
  };

  const answerQuery = async (
    request: FastifyRequest,
    query: StructuredQuery,
    org: string,
  ): Promise<{ built: BuiltQuery; answer: ReplicaAnswer }> => {
    const built = await prepare(request, query, org);
    try {
      return { built, answer: await replicas.query(built.influxql, request.signal) };
    } catch (error) {
      if (!(error instanceof HttpError && error.code === "bad_query")) throw error;
      // InfluxDB refused the query for a field's type (max of a string, ...). Field types are shared
      // by every org of a measurement in InfluxDB 1.x, so the refusal may come from another org's
      // field: this org then has no points of it, and gets what a field that does not exist gives (a
      // null column), never a refusal that would tell it another org's field names and types.
      const counted = await replicas.query(
        fieldCountsQuery(query, org, built.fromNs, built.toNs),
        request.signal,
      );
      const row = counted.results[0]?.series?.[0]?.values[0] ?? [];
      const present = query.fields.filter((_field, i) => typeof row[i + 1] === "number" && row[i + 1] !== 0);
      if (present.length === query.fields.length) throw error;
      if (present.length === 0) return { built, answer: { replica: counted.replica, results: [{}] } };
      const narrowed = await answerQuery(request, { ...query, fields: present }, org);
      const first = narrowed.answer.results[0];
      if (first) first.series = withNullColumns(first.series, query.fields);
      return narrowed;
    }
  };

  app.post("/api/v1/query", async (request, reply) => {
    const parsed = querySchema.safeParse(request.body);
    if (!parsed.success) throw badRequest(describeIssues(parsed.error));
    const org = resolveOrg(request.principal!, parsed.data.org);
    request.org = org;
    const { built, answer } = await answerQuery(request, parsed.data, org);
    reply.header("x-pm-replica", answer.replica);
    const series = answer.results[0]?.series;
    if ((series?.length ?? 0) > built.maxSeries) throw tooManySeries(built);
    const result = toQueryResult(series, answer.replica, built);
    if (wantsCsv(request)) return reply.type("text/csv; charset=utf-8").send(toCsv(result));
    const { measurement, fields, aggregate } = parsed.data;
    return {
      ...result,
      meta: { ...result.meta, fields: catalogue.fieldMeta(measurement, fields, aggregate) },
    };
  });
};
