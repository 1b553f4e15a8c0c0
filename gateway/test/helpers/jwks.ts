import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

export interface IdentityProvider {
  issuer: string;
  /** Signs with the published key. */
  sign(
    claims: JWTPayload,
    options?: { audience?: string; expiresIn?: string | number; issuer?: string },
  ): Promise<string>;
  /** Signs with a key the JWKS does not list, under the same kid. */
  signWithUnknownKey(claims: JWTPayload): Promise<string>;
  close(): Promise<void>;
}

/** A tiny OIDC issuer: discovery document and JWKS over real HTTP, keys made by jose. */
export async function startIdentityProvider(audience: string): Promise<IdentityProvider> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const stranger = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  let issuer = "";
  const server: Server = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    if (request.url === "/.well-known/openid-configuration") {
      response.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks.json` }));
    } else if (request.url === "/jwks.json") {
      response.end(JSON.stringify({ keys: [jwk] }));
    } else {
      response.statusCode = 404;
      response.end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const build = (
    claims: JWTPayload,
    options: { audience?: string; expiresIn?: string | number; issuer?: string } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setIssuer(options.issuer ?? issuer)
      .setAudience(options.audience ?? audience)
      .setSubject("alice")
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? "5m");

  return {
    issuer,
    sign: (claims, options) => build(claims, options).sign(privateKey),
    signWithUnknownKey: (claims) => build(claims).sign(stranger.privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
