import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { unauthorized } from "../errors.js";
import { type JwtVerifier, looksLikeJwt } from "./oidc.js";
import type { Principal } from "./principal.js";
import { authenticateToken } from "./token-auth.js";
import type { TokenStore } from "./tokens-file.js";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
    /** The org the request reads, once resolved; logged with the request. */
    org?: string;
  }
}

export interface AuthOptions {
  tokens?: TokenStore;
  oidc?: JwtVerifier;
}

const BEARER = /^Bearer[ ]+([^\s]{1,8192})[ ]*$/i;

async function authenticate(request: FastifyRequest, options: AuthOptions): Promise<Principal> {
  const header = request.headers.authorization;
  if (!header) throw unauthorized("missing Authorization: Bearer <token>", "missing_token");
  const token = BEARER.exec(header)?.[1];
  if (!token) throw unauthorized("expected Authorization: Bearer <token>", "invalid_token");
  if (options.oidc && looksLikeJwt(token)) return options.oidc(token);
  if (options.tokens) return authenticateToken(options.tokens.entries(), token);
  throw unauthorized("the token is not valid", "invalid_token");
}

/** Every route in the scope this is registered in needs a valid API token or JWT. */
export const authPlugin = fp<AuthOptions>(
  async (app: FastifyInstance, options) => {
    app.decorateRequest("principal", undefined);
    app.decorateRequest("org", undefined);
    app.addHook("onRequest", async (request) => {
      request.principal = await authenticate(request, options);
    });
  },
  { name: "pm-auth" },
);

/** One log line per request: token id, org, route, status and duration; the credential never. */
export const requestLogPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook("onResponse", async (request, reply) => {
      const route = request.routeOptions.url ?? "(no route)";
      const quiet = route === "/healthz" || route === "/readyz";
      const entry = {
        method: request.method,
        route,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        token: request.principal?.id,
        org: request.org,
        replica: reply.getHeader("x-pm-replica"),
      };
      if (quiet) request.log.debug(entry, "request");
      else request.log.info(entry, "request");
    });
  },
  { name: "pm-request-log" },
);
