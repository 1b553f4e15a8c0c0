import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, type Fixture, startFixture, tokens } from "./helpers/fixture.js";
import { type IdentityProvider, startIdentityProvider } from "./helpers/jwks.js";

let fixture: Fixture;
let idp: IdentityProvider;
let app: FastifyInstance;
const AUDIENCE = "pm-gateway";

beforeAll(async () => {
  [fixture, idp] = await Promise.all([startFixture(), startIdentityProvider(AUDIENCE)]);
  // No JWKS URL: it is found through the issuer's discovery document.
  app = await fixture.gateway({
    PM_GATEWAY_OIDC_ISSUER: idp.issuer,
    PM_GATEWAY_OIDC_AUDIENCE: AUDIENCE,
    PM_GATEWAY_OIDC_ORGS_CLAIM: "pm.orgs",
  });
});
afterAll(async () => {
  await fixture?.close();
  await idp?.close();
});

const measurements = (headers: Record<string, string> = {}) =>
  app.inject({ method: "GET", url: "/api/v1/measurements", headers });
const expectError = async (
  response: Promise<{ statusCode: number; json(): { error: { code: string } } }>,
  status: number,
  code: string,
) => {
  const answer = await response;
  expect(answer.statusCode).toBe(status);
  expect(answer.json().error.code).toBe(code);
};

describe("API tokens", () => {
  it("lets a valid token in", async () => {
    expect((await measurements(bearer(tokens.acme))).statusCode).toBe(200);
  });

  it("answers 401 without a token, with a wrong or malformed one, and with an expired one", async () => {
    await expectError(measurements(), 401, "missing_token");
    await expectError(measurements(bearer(`${tokens.acme}x`)), 401, "invalid_token");
    await expectError(measurements({ authorization: tokens.acme }), 401, "invalid_token");
    await expectError(measurements({ authorization: `Basic ${tokens.acme}` }), 401, "invalid_token");
    await expectError(measurements(bearer(tokens.expired)), 401, "token_expired");
    const missing = await measurements();
    expect(missing.headers["www-authenticate"]).toMatch(/^Bearer/);
  });

  it("answers 403 for an org the token does not grant", async () => {
    await expectError(
      app.inject({ method: "GET", url: "/api/v1/measurements?org=acme", headers: bearer(tokens.globex) }),
      403,
      "forbidden",
    );
  });

  it("checks the token before reading the body", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/api/v1/query",
      headers: { "content-type": "application/json" },
      payload: "{ not json",
    });
    expect(response.statusCode).toBe(401);
  });
});

describe("OIDC JWTs", () => {
  it("accepts a JWT from the issuer and reads the orgs from the nested claim", async () => {
    const jwt = await idp.sign({ pm: { orgs: ["acme"] } });
    const response = await measurements(bearer(jwt));
    expect(response.statusCode).toBe(200);
    expect(response.json().measurements).toContain("cpu");
    const other = await app.inject({
      method: "GET",
      url: "/api/v1/measurements?org=globex",
      headers: bearer(jwt),
    });
    expect(other.statusCode).toBe(403);
  });

  it("answers 401 for a malformed JWT", async () => {
    await expectError(
      measurements(bearer("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.bm90LWEtc2ln")),
      401,
      "invalid_token",
    );
    await expectError(measurements(bearer("a.b.c")), 401, "invalid_token");
  });

  it("answers 401 for a JWT signed by a key the issuer does not publish", async () => {
    await expectError(
      measurements(bearer(await idp.signWithUnknownKey({ pm: { orgs: ["acme"] } }))),
      401,
      "invalid_token",
    );
  });

  it("answers 401 for a wrong audience, a wrong issuer and an expired JWT", async () => {
    await expectError(
      measurements(bearer(await idp.sign({ pm: { orgs: ["acme"] } }, { audience: "someone-else" }))),
      401,
      "invalid_token",
    );
    await expectError(
      measurements(bearer(await idp.sign({ pm: { orgs: ["acme"] } }, { issuer: "https://evil.example" }))),
      401,
      "invalid_token",
    );
    const expired = await idp.sign(
      { pm: { orgs: ["acme"] } },
      { expiresIn: Math.floor(Date.now() / 1000) - 120 },
    );
    await expectError(measurements(bearer(expired)), 401, "token_expired");
  });

  it("answers 403 when the JWT grants no org, or not this one", async () => {
    await expectError(measurements(bearer(await idp.sign({}))), 403, "forbidden");
    await expectError(
      app.inject({
        method: "GET",
        url: "/api/v1/measurements?org=acme",
        headers: bearer(await idp.sign({})),
      }),
      403,
      "forbidden",
    );
  });
});
