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
import { noField, noMeasurement } from "./not-found.js";
import { orgFields } from "./org-fields.js";

export interface QueryRouteOptions {
  replicas: Replicas;
  limits: QueryLimits;
  catalogue: Catalogue;
  /** Fields count as the org's when it has points of them this recently (as in discovery). */
  discoveryRangeMs: number;
}

/** The asked fields that hold no value in any row of the answer. */
function emptyFields(series: InfluxSeries[] | undefined, fields: string[]): string[] {
  return fields.filter(
    (field) =>
      !(series ?? []).some((one) => {
        const at = one.columns.indexOf(field);
        return at >= 0 && one.values.some((row) => row[at] !== null && row[at] !== undefined);
      }),
  );
}

const NUMERIC = new Set(["float", "integer"]);

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
  { replicas, limits, catalogue, discoveryRangeMs },
) => {
  /**
   * Names the org cannot see, the same whether they exist only for other orgs or not at all: an
   * unknown measurement, or fields none of which is the org's, is a 404 naming them; unknown fields
   * beside known ones are listed in meta.unknownFields (their columns are null, as InfluxDB answers).
   * Asked only when a field came back empty, so an answer with data costs nothing more.
   */
  const unknownFields = async (
    request: FastifyRequest,
    query: StructuredQuery,
    org: string,
    empty: string[],
  ) => {
    const seen = await orgFields(replicas, query.measurement, org, discoveryRangeMs, request.callerGone);
    if (!seen.exists) throw noMeasurement(query.measurement, org);
    const unknown = empty.filter((field) => !seen.types.has(field));
    if (unknown.length === query.fields.length) throw noField(query.measurement, unknown, org);
    return unknown;
  };

  const prepare = async (request: FastifyRequest, query: StructuredQuery, org: string) => {
    const now = nowNs();
    if (!needsSeriesCount(query)) return buildQuery(query, org, limits, now);
    resolveRange(query.range, limits, now); // a bad range is refused before any query is sent
    const counted = await replicas.query(seriesCountQuery(query, org), request.callerGone);
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
      return { built, answer: await replicas.query(built.influxql, request.callerGone) };
    } catch (error) {
      if (!(error instanceof HttpError && error.code === "bad_query")) throw error;
      // InfluxDB refused the query for a field's type (max of a string, ...). Field types are shared
      // by every org of a measurement in InfluxDB 1.x, so the refusal may come from another org's
      // field: this org then has no points of it, and gets what a field that does not exist gives (a
      // null column), never a refusal that would tell it another org's field names and types.
      const counted = await replicas.query(
        fieldCountsQuery(query, org, built.fromNs, built.toNs),
        request.callerGone,
      );
      const row = counted.results[0]?.series?.[0]?.values[0] ?? [];
      const present = query.fields.filter((_field, i) => typeof row[i + 1] === "number" && row[i + 1] !== 0);
      if (present.length === query.fields.length) {
        // Every field is the org's own: say which of them the aggregate cannot take, and their types.
        const seen = await orgFields(replicas, query.measurement, org, discoveryRangeMs, request.callerGone);
        const wrong = query.fields.filter((field) => !NUMERIC.has(seen.types.get(field) ?? "float"));
        if (wrong.length === 0 || !query.aggregate) throw error;
        const types = wrong.map((field) => `${JSON.stringify(field)} is ${seen.types.get(field)}`);
        throw badRequest(
          `aggregate ${query.aggregate} needs numeric fields: ${types.join(", ")}`,
          "bad_query",
        );
      }
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
    const empty = emptyFields(series, parsed.data.fields);
    const unknown = empty.length > 0 ? await unknownFields(request, parsed.data, org, empty) : [];
    const result = toQueryResult(series, answer.replica, built);
    if (wantsCsv(request)) return reply.type("text/csv; charset=utf-8").send(toCsv(result));
    const { measurement, fields, aggregate } = parsed.data;
    return {
      ...result,
      meta: {
        ...result.meta,
        fields: catalogue.fieldMeta(measurement, fields, aggregate),
        ...(unknown.length > 0 ? { unknownFields: unknown } : {}),
      },
    };
  });
};
