import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { badRequest, HttpError, unauthorized } from "../errors.js";
import type { FailureLimit } from "./failure-limit.js";
import { influxCredential } from "./influx-credentials.js";
import { type JwtVerifier, looksLikeJwt } from "./oidc.js";
import type { Principal } from "./principal.js";
import { authenticateToken } from "./token-auth.js";
import type { TokenStore } from "./tokens-file.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route speaks InfluxDB 1.x's HTTP API: it takes that API's credential forms too. */
    influxCredentials?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
    /** The org the request reads, once resolved; logged with the request. */
    org?: string;
  }
}

export interface AuthOptions {
  tokens?: TokenStore;
  oidc?: JwtVerifier;
  failures: FailureLimit;
}

const BEARER = /^Bearer[ ]+([^\s]{1,8192})[ ]*$/i;

// Synchronous for API tokens, a promise only for JWTs: the hooks below then finish a token request
// without a trip through the microtask queue.
function authenticate(request: FastifyRequest, options: AuthOptions): Principal | Promise<Principal> {
  const header = request.headers.authorization;
  const influx = request.routeOptions.config.influxCredentials === true;
  if (!header && !influx) throw unauthorized("missing Authorization: Bearer <token>", "missing_token");
  // Node keeps the first of several; a proxy in front may have checked another one.
  const count = countAuthorization(request.raw.rawHeaders);
  if (count > 1) throw badRequest(`expected one Authorization header, got ${count}`);
  const token = influx ? influxCredential(request) : BEARER.exec(header!)?.[1];
  if (!token) throw unauthorized("expected Authorization: Bearer <token>", "invalid_token");
  if (options.oidc && looksLikeJwt(token)) return options.oidc(token);
  if (options.tokens) return authenticateToken(options.tokens.index(), token);
  throw unauthorized("the token is not valid", "invalid_token");
}

function countAuthorization(rawHeaders: string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === "authorization") count++;
  }
  return count;
}

/**
 * Every route in the scope this is registered in needs a valid API token or JWT. An address with too
 * many failed authentications gets 429 before its credential is even looked at.
 */
export const authPlugin = fp<AuthOptions>(
  async (app: FastifyInstance, options) => {
    app.decorateRequest("principal", undefined);
    app.decorateRequest("org", undefined);
    app.addHook("onRequest", (request, _reply, done) => {
      const waitS = options.failures.blockedFor(request.ip);
      if (waitS > 0) {
        done(
          new HttpError(
            429,
            "too_many_failures",
            `too many failed authentications from this address; retry in ${waitS} s`,
            { "retry-after": String(waitS) },
          ),
        );
        return;
      }
      const fail = (error: Error) => {
        if (error instanceof HttpError && error.statusCode === 401)
          options.failures.recordFailure(request.ip);
        done(error);
      };
      let principal: Principal | Promise<Principal>;
      try {
        principal = authenticate(request, options);
      } catch (error) {
        fail(error as Error);
        return;
      }
      if (!(principal instanceof Promise)) {
        request.principal = principal;
        done();
        return;
      }
      principal.then(
        (verified) => {
          request.principal = verified;
          done();
        },
        (error: Error) => fail(error),
      );
    });
  },
  { name: "pm-auth" },
);
