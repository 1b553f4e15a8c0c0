import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import { HttpError, unauthorized } from "../errors.js";
import { isOrgName, type Principal } from "./principal.js";

export interface OidcOptions {
  issuer: string;
  audience: string;
  /** Defaults to the jwks_uri of `<issuer>/.well-known/openid-configuration`. */
  jwksUrl?: string;
  /** Claim with the org list; dots reach into nested objects (`pm.orgs`). */
  orgsClaim: string;
}

// Asymmetric algorithms only: an HMAC key would let anyone holding the JWKS sign tokens.
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

function readClaim(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A claim may be a list or a space- or comma-separated string; entries that are not org names are dropped. */
export function orgsFromClaim(value: unknown): ReadonlySet<string> | "*" {
  const items = Array.isArray(value) ? value : typeof value === "string" ? value.split(/[\s,]+/) : [];
  const orgs = items.filter((item): item is string => typeof item === "string");
  if (orgs.includes("*")) return "*";
  return new Set(orgs.filter(isOrgName));
}

async function discoverJwksUrl(issuer: string): Promise<URL> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const document = (await response.json()) as { jwks_uri?: unknown };
  if (typeof document.jwks_uri !== "string") throw new Error(`${url} has no jwks_uri`);
  return new URL(document.jwks_uri);
}

export type JwtVerifier = (token: string) => Promise<Principal>;

export function createOidcVerifier(options: OidcOptions): JwtVerifier {
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const keySet = async () => {
    if (!jwks) {
      const url = options.jwksUrl ? new URL(options.jwksUrl) : await discoverJwksUrl(options.issuer);
      jwks = createRemoteJWKSet(url, { timeoutDuration: 5000, cooldownDuration: 30_000 });
    }
    return jwks;
  };

  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await keySet(), {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ALGORITHMS,
        clockTolerance: 30,
      }));
    } catch (error) {
      throw toHttpError(error);
    }
    return {
      id: `oidc:${typeof payload.sub === "string" ? payload.sub.slice(0, 128) : "unknown"}`,
      kind: "oidc",
      orgs: orgsFromClaim(readClaim(payload, options.orgsClaim)),
    };
  };
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof errors.JWTExpired) return unauthorized("the token has expired", "token_expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    return unauthorized(`the token's ${error.claim} claim is not accepted`, "invalid_token");
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSSignatureVerificationFailed) {
    return unauthorized("the token's signature does not match a key of the issuer", "invalid_token");
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return unauthorized("the token's signing algorithm is not accepted", "invalid_token");
  }
  if (
    error instanceof errors.JOSEError &&
    !(error instanceof errors.JWKSTimeout) &&
    !(error instanceof errors.JWKSInvalid)
  ) {
    return unauthorized("the token is not a valid JWT", "invalid_token");
  }
  return new HttpError(503, "idp_unavailable", "the identity provider's keys cannot be fetched now");
}
