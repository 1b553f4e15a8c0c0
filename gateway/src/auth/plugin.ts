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

// Synchronous for API tokens, a promise only for JWTs: the hooks below then finish a token request
// without a trip through the microtask queue.
function authenticate(request: FastifyRequest, options: AuthOptions): Principal | Promise<Principal> {
  const header = request.headers.authorization;
  if (!header) throw unauthorized("missing Authorization: Bearer <token>", "missing_token");
  const token = BEARER.exec(header)?.[1];
  if (!token) throw unauthorized("expected Authorization: Bearer <token>", "invalid_token");
  if (options.oidc && looksLikeJwt(token)) return options.oidc(token);
  if (options.tokens) return authenticateToken(options.tokens.index(), token);
  throw unauthorized("the token is not valid", "invalid_token");
}

/** Every route in the scope this is registered in needs a valid API token or JWT. */
export const authPlugin = fp<AuthOptions>(
  async (app: FastifyInstance, options) => {
    app.decorateRequest("principal", undefined);
    app.decorateRequest("org", undefined);
    app.addHook("onRequest", (request, _reply, done) => {
      let principal: Principal | Promise<Principal>;
      try {
        principal = authenticate(request, options);
      } catch (error) {
        done(error as Error);
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
        (error: Error) => done(error),
      );
    });
  },
  { name: "pm-auth" },
);
