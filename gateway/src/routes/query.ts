import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { resolveOrg } from "../auth/principal.js";
import type { Catalogue } from "../catalogue/catalogue.js";
import { badRequest } from "../errors.js";
import type { Replicas } from "../influx/replicas.js";
import { buildQuery, type QueryLimits } from "../query/build-influxql.js";
import { toCsv, toQueryResult } from "../query/response.js";
import { describeIssues, querySchema } from "../query/schema.js";
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

export const queryRoutes: FastifyPluginAsync<QueryRouteOptions> = async (
  app,
  { replicas, limits, catalogue },
) => {
  app.post("/api/v1/query", async (request, reply) => {
    const parsed = querySchema.safeParse(request.body);
    if (!parsed.success) throw badRequest(describeIssues(parsed.error));
    const org = resolveOrg(request.principal!, parsed.data.org);
    request.org = org;
    const built = buildQuery(parsed.data, org, limits, nowNs());
    const answer = await replicas.query(built.influxql);
    reply.header("x-pm-replica", answer.replica);
    const result = toQueryResult(answer.results[0]?.series, answer.replica, built);
    if (wantsCsv(request)) return reply.type("text/csv; charset=utf-8").send(toCsv(result));
    const { measurement, fields, aggregate } = parsed.data;
    return {
      ...result,
      meta: { ...result.meta, fields: catalogue.fieldMeta(measurement, fields, aggregate) },
    };
  });
};
