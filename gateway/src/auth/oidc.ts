import { createHash } from "node:crypto";
import { isOrgName } from "@platform-metrics/sdk/contracts";
import {
  type CryptoKey,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  type JWTVerifyResult,
  jwtVerify,
} from "jose";
import { HttpError, unauthorized } from "../errors.js";
import { IdpKeys, type IdpKeysOptions, IdpUnavailableError } from "./idp-keys.js";
import type { Principal } from "./principal.js";

export interface OidcOptions extends IdpKeysOptions {
  audience: string;
  /** Claim with the org list; dots reach into nested objects (`pm.orgs`). */
  orgsClaim: string;
  /** The entry of the orgs claim that grants every org; none when unset. */
  adminValue?: string;
  /** Allowance for clocks that disagree, on exp, nbf and iat. */
  clockSkewMs: number;
  /** Longest accepted exp - iat (exp - now for a token without iat). */
  maxLifetimeMs: number;
}

// Asymmetric algorithms only: an HMAC key would let anyone holding the JWKS sign tokens.
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];
// RFC 7515 4.1.9: typ is case-insensitive and may omit "application/". ID tokens say JWT, RFC 9068
// access tokens at+jwt; other JWTs (logout, DPoP proofs, ...) are not meant as bearer tokens here.
const ACCEPTED_TYPES = new Set(["jwt", "at+jwt"]);

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

/**
 * A claim may be a list or a space- or comma-separated string; entries that are not org names are
 * dropped, and `adminValue` (when configured) grants every org.
 */
export function orgsFromClaim(value: unknown, adminValue?: string): ReadonlySet<string> | "*" {
  const items = Array.isArray(value) ? value : typeof value === "string" ? value.split(/[\s,]+/) : [];
  const orgs = items.filter((item): item is string => typeof item === "string");
  if (adminValue !== undefined && orgs.includes(adminValue)) return "*";
  return new Set(orgs.filter(isOrgName));
}

/**
 * One identity per issuer and full subject: the rate limit and the log key on it, so no two
 * subjects (however long) share a bucket, and no tokens-file id (never `oidc:...`) can take it.
 */
export function oidcPrincipalId(issuer: string, subject: string): string {
  return `oidc:${createHash("sha256")
    .update(JSON.stringify([issuer, subject]))
    .digest("base64url")}`;
}

export type JwtVerifier = (token: string) => Promise<Principal>;

export function createOidcVerifier(options: OidcOptions): JwtVerifier {
  const keys = new IdpKeys(options);
  const verifyOptions: JWTVerifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms: ALGORITHMS,
    clockTolerance: Math.floor(options.clockSkewMs / 1000),
    requiredClaims: ["exp", "sub"],
  };

  return async (token) => {
    let verified: JWTVerifyResult;
    try {
      verified = await verifyWithAnyMatchingKey(token, keys.key, verifyOptions);
    } catch (error) {
      throw toHttpError(error);
    }
    const { payload, protectedHeader } = verified;
    const type = protectedHeader.typ?.toLowerCase().replace(/^application\//, "");
    if (type !== undefined && !ACCEPTED_TYPES.has(type)) {
      throw unauthorized(
        `the token's typ ${JSON.stringify(protectedHeader.typ).slice(0, 80)} is not accepted (expected JWT or at+jwt)`,
        "invalid_token",
      );
    }
    checkTimes(payload as JWTPayload & { exp: number }, options);
    if (typeof payload.sub !== "string" || payload.sub === "") {
      throw unauthorized(
        "the token's sub claim is not accepted (expected a non-empty string)",
        "invalid_token",
      );
    }
    return {
      id: oidcPrincipalId(options.issuer, payload.sub),
      kind: "oidc",
      subject: payload.sub,
      orgs: orgsFromClaim(readClaim(payload, options.orgsClaim), options.adminValue),
    };
  };
}

/** jose has checked that exp is a number and not past; here: not too far ahead, and iat not ahead. */
function checkTimes(payload: JWTPayload & { exp: number }, options: OidcOptions): void {
  const nowS = Date.now() / 1000;
  const skewS = options.clockSkewMs / 1000;
  if (payload.iat !== undefined && payload.iat > nowS + skewS) {
    throw unauthorized("the token's iat claim is in the future", "invalid_token");
  }
  const lifetimeS = payload.exp - (payload.iat ?? nowS);
  if (lifetimeS > options.maxLifetimeMs / 1000 + skewS) {
    throw unauthorized(
      `the token lives ${Math.round(lifetimeS)} s from iat to exp; at most ${options.maxLifetimeMs / 1000} s are accepted`,
      "invalid_token",
    );
  }
}

/**
 * jwtVerify, and when the token names no kid and several keys of the set fit (the IdP publishes old
 * and new during a rotation), each of them in turn, as jose's documentation shows.
 */
async function verifyWithAnyMatchingKey(
  token: string,
  key: JWTVerifyGetKey,
  options: JWTVerifyOptions,
): Promise<JWTVerifyResult> {
  try {
    return await jwtVerify(token, key, options);
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    for await (const candidate of error as errors.JWKSMultipleMatchingKeys & AsyncIterable<CryptoKey>) {
      try {
        return await jwtVerify(token, candidate, options);
      } catch (failed) {
        if (!(failed instanceof errors.JWSSignatureVerificationFailed)) throw failed;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

function toHttpError(error: unknown): unknown {
  if (error instanceof IdpUnavailableError) {
    return new HttpError(503, "idp_unavailable", `${error.message}; retry later`, {
      "retry-after": String(error.retryAfterS),
    });
  }
  if (error instanceof errors.JWTExpired) return unauthorized("the token has expired", "token_expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === "missing")
      return unauthorized(`the token has no ${error.claim} claim`, "invalid_token");
    return unauthorized(`the token's ${error.claim} claim is not accepted`, "invalid_token");
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSSignatureVerificationFailed) {
    return unauthorized("the token's signature does not match a key of the issuer", "invalid_token");
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return unauthorized("the token's signing algorithm is not accepted", "invalid_token");
  }
  if (error instanceof errors.JOSEError) return unauthorized("the token is not a valid JWT", "invalid_token");
  // Anything else is the gateway's own fault: a 500, logged by the error handler.
  return error;
}
