import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { resolveOrg } from "../auth/principal.js";
import type { Catalogue } from "../catalogue/catalogue.js";
import { badRequest, notFound } from "../errors.js";
import type { InfluxStatementResult, Replicas } from "../influx/replicas.js";
import { discovery } from "../query/build-influxql.js";
import { isPlainText } from "../query/schema.js";
import { noMeasurement } from "./not-found.js";
import { orgFields } from "./org-fields.js";

export interface DiscoveryRouteOptions {
  replicas: Replicas;
  /** Fields count as the org's when it has points of them this recently. */
  discoveryRangeMs: number;
  /** Units and descriptions of declared fields. */
  catalogue: Catalogue;
}

/** Most names one discovery answer lists; `meta.truncated` says when there were more. */
export const DISCOVERY_LIMIT = 10_000;

const name = z
  .string()
  .min(1)
  .max(256)
  .refine(isPlainText, "must not contain control characters or lone UTF-16 surrogates");
const orgQuery = z.object({ org: z.string().max(64).optional() }).loose();

function parseParam(value: unknown, what: string): string {
  const parsed = name.safeParse(value);
  if (!parsed.success) throw badRequest(`${what} ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

function scope(request: FastifyRequest): string {
  const query = orgQuery.safeParse(request.query);
  if (!query.success) throw badRequest("org must be one org name");
  request.org = resolveOrg(request.principal!, query.data.org);
  return request.org;
}

/** First column of every row of every series of a statement. */
function firstColumn(result: InfluxStatementResult | undefined): string[] {
  return (result?.series ?? []).flatMap((series) => series.values.map((row) => String(row[0])));
}

function column(result: InfluxStatementResult | undefined, index: number): string[] {
  return (result?.series ?? []).flatMap((series) => series.values.map((row) => String(row[index])));
}

function limited(names: string[]): { names: string[]; truncated: boolean } {
  const unique = [...new Set(names)];
  return { names: unique.slice(0, DISCOVERY_LIMIT), truncated: unique.length > DISCOVERY_LIMIT };
}

export const discoveryRoutes: FastifyPluginAsync<DiscoveryRouteOptions> = async (app, options) => {
  const { replicas } = options;
  const run = async (request: FastifyRequest, reply: FastifyReply, statements: string[]) => {
    const answer = await replicas.query(statements.join("; "), request.callerGone);
    reply.header("x-pm-replica", answer.replica);
    return answer;
  };

  app.get("/api/v1/orgs", async (request, reply) => {
    const principal = request.principal!;
    if (principal.orgs !== "*") return { orgs: [...principal.orgs].sort(), meta: { all: false } };
    const answer = await run(request, reply, [discovery.orgs(DISCOVERY_LIMIT + 1)]);
    const { names, truncated } = limited(column(answer.results[0], 1));
    return { orgs: names.sort(), meta: { all: true, replica: answer.replica, truncated } };
  });

  app.get("/api/v1/measurements", async (request, reply) => {
    const org = scope(request);
    const answer = await run(request, reply, [discovery.measurements(org, DISCOVERY_LIMIT + 1)]);
    const { names, truncated } = limited(firstColumn(answer.results[0]));
    return { measurements: names, meta: { replica: answer.replica, truncated } };
  });

  app.get<{ Params: { m: string } }>("/api/v1/measurements/:m/tags", async (request, reply) => {
    const measurement = parseParam(request.params.m, "measurement");
    const org = scope(request);
    const answer = await run(request, reply, [discovery.tagKeys(measurement, org)]);
    const tags = firstColumn(answer.results[0]);
    if (tags.length === 0) throw noMeasurement(measurement, org);
    return { tags, meta: { replica: answer.replica, truncated: false } };
  });

  app.get<{ Params: { m: string; tag: string } }>(
    "/api/v1/measurements/:m/tags/:tag/values",
    async (request, reply) => {
      const measurement = parseParam(request.params.m, "measurement");
      const tag = parseParam(request.params.tag, "tag");
      const org = scope(request);
      const answer = await run(request, reply, [
        discovery.tagKeys(measurement, org),
        discovery.tagValues(measurement, tag, org, DISCOVERY_LIMIT + 1),
      ]);
      const tags = firstColumn(answer.results[0]);
      if (tags.length === 0) throw noMeasurement(measurement, org);
      if (!tags.includes(tag)) {
        throw notFound(
          `measurement ${JSON.stringify(measurement)} has no tag ${JSON.stringify(tag)} for org ${org}`,
        );
      }
      // The org tag is pinned by the WHERE clause, so its only value here is the caller's org.
      const { names, truncated } = limited(column(answer.results[1], 1));
      return { values: names, meta: { replica: answer.replica, truncated } };
    },
  );

  app.get<{ Params: { m: string } }>("/api/v1/measurements/:m/fields", async (request, reply) => {
    const measurement = parseParam(request.params.m, "measurement");
    const org = scope(request);
    const seen = await orgFields(replicas, measurement, org, options.discoveryRangeMs, request.callerGone);
    reply.header("x-pm-replica", seen.replica);
    if (!seen.exists) throw noMeasurement(measurement, org);
    const fields = [...seen.types.keys()].sort().map((field) => {
      const declared = options.catalogue.field(measurement, field);
      return {
        name: field,
        type: seen.types.get(field)!,
        ...(declared?.unit ? { unit: declared.unit } : {}),
        ...(declared?.description ? { description: declared.description } : {}),
      };
    });
    return { fields, meta: { replica: seen.replica, truncated: false } };
  });
};
