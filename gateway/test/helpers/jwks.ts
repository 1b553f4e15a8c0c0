import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

/** How the issuer answers: properly, with a 500, with a body that is not JSON, or never. */
export type IdpBehaviour = "ok" | "error500" | "invalidJson" | "hang";

export interface SignOptions {
  audience?: string;
  expiresIn?: string | number;
  issuer?: string;
  /** The signing key (default k1). */
  kid?: string;
  /** Leaves kid out of the header. */
  omitKid?: boolean;
  typ?: string;
  /** null leaves the claim out. */
  subject?: string | null;
  /** Seconds since the epoch; null leaves the claim out (default now). */
  issuedAt?: number | null;
  /** null leaves the claim out. */
  expiresAt?: number | null;
}

export interface IdentityProvider {
  issuer: string;
  /** GETs received so far, by what was asked. */
  requests: { discovery: number; jwks: number };
  discovery: IdpBehaviour;
  jwks: IdpBehaviour;
  /** The issuer the discovery document names (default the real one). */
  discoveryIssuer?: string;
  /** The kids the JWKS lists now (default k1 and r1). */
  published: string[];
  sign(claims: JWTPayload, options?: SignOptions): Promise<string>;
  /** Signs with a key the JWKS does not list, under the kid k1. */
  signWithUnknownKey(claims: JWTPayload): Promise<string>;
  close(): Promise<void>;
}

const KEYS: Record<string, "ES256" | "RS256"> = { k1: "ES256", k2: "ES256", r1: "RS256" };

interface Keys {
  pairs: Record<string, { privateKey: CryptoKey; jwk: JWK }>;
  stranger: { privateKey: CryptoKey };
}
// Made once per test file: an RSA key takes a while on a busy machine.
let keysOnce: Promise<Keys> | undefined;
async function makeKeys(): Promise<Keys> {
  const pairs: Keys["pairs"] = {};
  for (const [kid, alg] of Object.entries(KEYS)) {
    const { publicKey, privateKey } = await generateKeyPair(alg);
    pairs[kid] = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
  }
  return { pairs, stranger: await generateKeyPair("ES256") };
}

/**
 * A tiny OIDC issuer over real HTTP: discovery document and JWKS, keys made by jose (ES256 k1 and
 * k2, RS256 r1). Tests switch how it answers and which keys it lists, and count what it was asked.
 */
export async function startIdentityProvider(audience: string): Promise<IdentityProvider> {
  keysOnce ??= makeKeys();
  const { pairs, stranger } = await keysOnce;

  const serve = (
    behaviour: IdpBehaviour,
    body: () => unknown,
    response: import("node:http").ServerResponse,
  ) => {
    if (behaviour === "hang") return;
    response.setHeader("content-type", "application/json");
    if (behaviour === "error500") {
      response.statusCode = 500;
      response.end('{"error":"boom"}');
    } else if (behaviour === "invalidJson") {
      response.end("<html>not json</html>");
    } else {
      response.end(JSON.stringify(body()));
    }
  };

  const server: Server = createServer((request, response) => {
    if (request.url === "/.well-known/openid-configuration") {
      idp.requests.discovery++;
      serve(
        idp.discovery,
        () => ({ issuer: idp.discoveryIssuer ?? idp.issuer, jwks_uri: `${idp.issuer}/jwks.json` }),
        response,
      );
    } else if (request.url === "/jwks.json") {
      idp.requests.jwks++;
      serve(idp.jwks, () => ({ keys: idp.published.map((kid) => pairs[kid]!.jwk) }), response);
    } else {
      response.statusCode = 404;
      response.end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  const sign = (claims: JWTPayload, options: SignOptions = {}, key?: CryptoKey) => {
    const kid = options.kid ?? "k1";
    const header: Record<string, unknown> = { alg: KEYS[kid] };
    if (!options.omitKid) header.kid = kid;
    if (options.typ !== undefined) header.typ = options.typ;
    const jwt = new SignJWT(claims)
      .setProtectedHeader(header as { alg: string })
      .setIssuer(options.issuer ?? idp.issuer)
      .setAudience(options.audience ?? audience);
    if (options.subject !== null) jwt.setSubject(options.subject ?? "alice");
    if (options.issuedAt !== null) jwt.setIssuedAt(options.issuedAt);
    if (options.expiresAt !== undefined) {
      if (options.expiresAt !== null) jwt.setExpirationTime(options.expiresAt);
    } else {
      jwt.setExpirationTime(options.expiresIn ?? "5m");
    }
    return jwt.sign(key ?? pairs[kid]!.privateKey);
  };

  const idp: IdentityProvider = {
    issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: { discovery: 0, jwks: 0 },
    discovery: "ok",
    jwks: "ok",
    published: ["k1", "r1"],
    sign: (claims, options) => sign(claims, options),
    signWithUnknownKey: (claims) => sign(claims, {}, stranger.privateKey),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return idp;
}
