import { isOrgName } from "@platform-metrics/sdk/contracts";
import type {
  FastifyError,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
} from "fastify";
import { type Principal, resolveOrg } from "../auth/principal.js";
import { HttpError, notFound } from "../errors.js";
import type { Replicas } from "../influx/replicas.js";
import type { Statement } from "../influxql/ast.js";
import { prepareStatement } from "../influxql/execute.js";
import { InfluxQLSyntaxError } from "../influxql/lexer.js";
import { parseQuery, UnsupportedStatement } from "../influxql/parser.js";
import { EPOCHS, formatError, formatResults, type StatementAnswer } from "../influxql/response.js";
import { databasesNamed, QueryRefused, withRetentionPolicy } from "../influxql/scope.js";
import type { QueryLimits } from "../query/build-influxql.js";
import { nowNs } from "../query/time-range.js";
import type { GatewayCounters } from "../self-metrics/counters.js";

// InfluxDB 1.x's `/query` for Grafana's InfluxDB (InfluxQL) data source and the `influx` CLI. Every
// statement is parsed, pinned to the caller's org and rebuilt from its parse tree (../influxql/);
// nothing the caller wrote reaches influxd unparsed.

export interface InfluxQueryRouteOptions {
  replicas: Replicas;
  limits: QueryLimits;
  discoveryRangeMs: number;
  /** The database behind the gateway; a client may name it, or one of its orgs. */
  database: string;
  /** Counts requests, statements and refusals for pm_gateway. */
  counters: GatewayCounters;
}

/** InfluxDB answers with its version; the CLI prints it, some clients read it. */
export const INFLUX_VERSION = "1.8.10";
const MAX_STATEMENTS = 32;

const refused = (message: string, status = 400) => new HttpError(status, "bad_query", message);

function single(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw refused(`expected one ${name} parameter`);
  return value;
}

function parse(q: string): Statement[] {
  try {
    return parseQuery(q);
  } catch (error) {
    if (error instanceof InfluxQLSyntaxError) throw refused(`error parsing query: ${error.message}`);
    if (error instanceof UnsupportedStatement) throw refused(error.message);
    throw error;
  }
}

/** What SHOW DATABASES lists: the database when the token grants one org, and each granted org. */
function databases(principal: Principal, database: string): string[] {
  if (principal.orgs === "*") return [];
  return [...(principal.orgs.size === 1 ? [database] : []), ...[...principal.orgs].sort()];
}

/** The org a database name stands for: the database behind the gateway, or an org's own name. */
function orgOf(principal: Principal, db: string, database: string): string {
  if (db === database) return resolveOrg(principal, undefined);
  const shown = JSON.stringify(db.slice(0, 100));
  if (!isOrgName(db)) {
    throw notFound(
      `database not found: ${shown}; use ${JSON.stringify(database)} or the name of an org the token grants`,
    );
  }
  return resolveOrg(principal, db);
}

function influxError(
  reply: FastifyReply,
  status: number,
  message: string,
  headers: Record<string, string> = {},
) {
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  return reply
    .code(status)
    .type("application/json")
    .header("x-influxdb-version", INFLUX_VERSION)
    .send(formatError(message));
}

export const influxQueryRoutes: FastifyPluginAsync<InfluxQueryRouteOptions> = async (app, options) => {
  // InfluxDB reads q from a form body too (Grafana's POST mode); only here, not on the JSON API.
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string" },
    (_request, body, done) => {
      // A repeated name stays a list, so it is refused like a repeated URL parameter.
      const params: Record<string, string | string[]> = {};
      for (const [name, value] of new URLSearchParams(body as string)) {
        const seen = params[name];
        params[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
      }
      done(null, params);
    },
  );
  // Errors in InfluxDB's shape, {"error": "..."}, authentication and limits included.
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      request.errorCode = error.code;
      return influxError(reply, error.statusCode, error.message, error.headers);
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return influxError(reply, status, error.message);
    request.log.error({ err: error }, "request failed");
    return influxError(reply, 500, "internal error; the gateway log has the details");
  });

  const { counters } = options;
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    counters.influxqlRequests++;
    try {
      return await answer(request, reply);
    } catch (error) {
      if (error instanceof HttpError && error.statusCode === 400) counters.influxqlRefused++;
      throw error;
    }
  };

  const answer = async (request: FastifyRequest, reply: FastifyReply) => {
    const body =
      request.body && typeof request.body === "object" ? (request.body as Record<string, unknown>) : {};
    const url = request.query as Record<string, unknown>;
    // As Go's FormValue: a form body's value first, then the URL's.
    const param = (name: string) => single(body, name) ?? single(url, name);
    const q = param("q");
    if (!q) throw refused('missing required parameter "q"');
    const epoch = param("epoch");
    if (epoch !== undefined && !EPOCHS.includes(epoch))
      throw refused(`epoch ${JSON.stringify(epoch.slice(0, 20))}: expected one of ${EPOCHS.join(", ")}`);
    const pretty = param("pretty") === "true";
    const rp = param("rp");
    const statements = parse(q).map((statement) => (rp ? withRetentionPolicy(statement, rp) : statement));
    if (statements.length === 0) throw refused("error parsing query: found EOF, expected SELECT or SHOW");
    if (statements.length > MAX_STATEMENTS)
      throw refused(`${statements.length} statements; at most ${MAX_STATEMENTS} in one request`);

    const principal = request.principal!;
    const named = databasesNamed(statements);
    const db = param("db");
    if (db) named.add(db);
    if (named.size > 1) {
      throw refused(
        `one database per request, found ${[...named].map((name) => JSON.stringify(name.slice(0, 100))).join(" and ")}`,
      );
    }
    const onlyDatabases = statements.every((statement) => statement.kind === "showDatabases");
    const [name] = named;
    if (name === undefined && !onlyDatabases) throw refused("database name required: pass db");
    const org = name === undefined ? "" : orgOf(principal, name, options.database);
    if (org) request.org = org;

    const context = {
      replicas: options.replicas,
      org,
      now: nowNs(),
      maxRangeNs: options.limits.maxRangeNs,
      maxPoints: options.limits.maxPoints,
      discoveryRangeMs: options.discoveryRangeMs,
      databases: databases(principal, options.database),
      signal: request.callerGone,
      answeredBy: (replica: string) => reply.header("x-pm-replica", replica),
    };
    let prepared: ReturnType<typeof prepareStatement>[];
    try {
      prepared = statements.map((statement) => prepareStatement(statement, context));
    } catch (error) {
      if (error instanceof QueryRefused) throw refused(error.message);
      throw error;
    }
    const results: StatementAnswer[] = [];
    for (const [id, run] of prepared.entries()) {
      try {
        counters.influxqlStatements++;
        const series = await run(context);
        results.push(series && series.length > 0 ? { statement_id: id, series } : { statement_id: id });
      } catch (error) {
        // As influxd: a statement's error goes in its result, and the statements after it do not run.
        const message =
          error instanceof QueryRefused
            ? error.message
            : error instanceof HttpError && error.statusCode === 400
              ? error.message
              : undefined;
        if (message === undefined) throw error;
        counters.influxqlRefused++;
        results.push({ statement_id: id, error: message });
        break;
      }
    }
    // chunked=true is answered in one chunk: a chunked reader takes one JSON object as a whole answer.
    return reply
      .type("application/json")
      .header("x-influxdb-version", INFLUX_VERSION)
      .send(`${formatResults(results, epoch, pretty)}\n`);
  };

  app.route({ method: ["GET", "POST"], url: "/query", config: { influxCredentials: true }, handler });
};

/** `/ping`, unauthenticated as in InfluxDB: clients call it before anything else. */
export async function influxPingRoutes(app: FastifyInstance): Promise<void> {
  app.route({
    method: ["GET", "HEAD"],
    url: "/ping",
    handler: async (request, reply) => {
      reply.header("x-influxdb-version", INFLUX_VERSION).header("x-influxdb-build", "OSS");
      const verbose = (request.query as Record<string, unknown>).verbose;
      if (verbose === "true") return reply.code(200).send({ version: INFLUX_VERSION });
      return reply.code(204).send();
    },
  });
}
