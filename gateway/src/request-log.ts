import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

declare module "fastify" {
  interface FastifyRequest {
    /** The `error.code` of the answer (set by sendError), logged with the request. */
    errorCode?: string;
  }
}

/**
 * One log line per request: client address, token id, org, route, status, error code and duration;
 * the credential never. The address is the peer's, or X-Forwarded-For's with PM_GATEWAY_TRUST_PROXY.
 */
export const requestLogPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest("errorCode", undefined);
    app.addHook("onResponse", (request, reply, done) => {
      const route = request.routeOptions.url ?? "(no route)";
      const level = route === "/healthz" || route === "/readyz" ? "debug" : "info";
      request.log[level](
        {
          method: request.method,
          route,
          status: reply.statusCode,
          code: request.errorCode,
          client: request.ip,
          durationMs: Math.round(reply.elapsedTime * 100) / 100,
          token: request.principal?.id,
          subject: request.principal?.subject?.slice(0, 256),
          org: request.org,
          replica: reply.getHeader("x-pm-replica"),
        },
        "request",
      );
      done();
    });
  },
  { name: "pm-request-log" },
);
