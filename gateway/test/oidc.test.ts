import { createLogger } from "@platform-metrics/sdk/service";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../src/config.js";
import { bearer, type Fixture, startFixture } from "./helpers/fixture.js";
import { type IdentityProvider, startIdentityProvider } from "./helpers/jwks.js";
import { waitFor } from "./helpers/wait.js";

const AUDIENCE = "pm-gateway";
const ACME = { orgs: ["acme"] };
// Every backoff and cache lasts an hour unless a test says otherwise, so a count of requests at the
// issuer can only change through what the test does.
const HOUR = "1h";

let fixture: Fixture;
const idps: IdentityProvider[] = [];

beforeAll(async () => {
  fixture = await startFixture();
});
afterEach(async () => {
  await Promise.all(idps.splice(0).map((idp) => idp.close()));
});
afterAll(async () => {
  await fixture?.close();
});

interface LogLine {
  level: number;
  msg: string;
}

/** A fresh issuer and a gateway trusting it, with the gateway's log lines kept. */
async function setup(env: Record<string, string> = {}) {
  const idp = await startIdentityProvider(AUDIENCE);
  idps.push(idp);
  const logs: LogLine[] = [];
  const logger = createLogger({
    name: "gateway",
    level: "info",
    destination: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) },
  });
  const app = await fixture.gateway(
    {
      PM_GATEWAY_OIDC_ISSUER: idp.issuer,
      PM_GATEWAY_OIDC_AUDIENCE: AUDIENCE,
      PM_GATEWAY_OIDC_JWKS_MAX_AGE: HOUR,
      PM_GATEWAY_OIDC_JWKS_COOLDOWN: HOUR,
      PM_GATEWAY_OIDC_RETRY_MIN: HOUR,
      PM_GATEWAY_OIDC_RETRY_MAX: HOUR,
      PM_GATEWAY_AUTH_FAILURE_LIMIT: "100000",
      ...env,
    },
    logger,
  );
  return { idp, app, logs };
}

const ask = (app: FastifyInstance, token: string, url = "/api/v1/measurements") =>
  app.inject({ method: "GET", url, headers: bearer(token) });

async function expectAnswer(app: FastifyInstance, token: string, status: number, code?: string) {
  const response = await ask(app, token);
  expect(response.statusCode, response.body).toBe(status);
  if (code) expect(response.json().error.code).toBe(code);
  return response;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
/** What anyone can write without any key: a JWT-shaped string with the header of their choice. */
const madeUp = (header: Record<string, unknown>) =>
  `${base64url(header)}.${base64url({ sub: "x" })}.${Buffer.from("not a signature").toString("base64url")}`;

const nowS = () => Math.floor(Date.now() / 1000);

describe("OIDC claims", () => {
  it("refuses a JWT without exp, with exp far ahead, with an iat in the future, or living too long", async () => {
    const { idp, app } = await setup({ PM_GATEWAY_OIDC_MAX_LIFETIME: "1h" });
    await expectAnswer(app, await idp.sign(ACME, { expiresAt: null }), 401, "invalid_token");
    await expectAnswer(app, await idp.sign(ACME, { expiresAt: 1e20 }), 401, "invalid_token");
    await expectAnswer(
      app,
      await idp.sign(ACME, { issuedAt: nowS() + 3600, expiresAt: nowS() + 3700 }),
      401,
      "invalid_token",
    );
    const tooLong = await expectAnswer(app, await idp.sign(ACME, { expiresAt: nowS() + 2 * 3600 }), 401);
    expect(tooLong.json().error.message).toMatch(/at most 3600 s/);
    // No iat: the lifetime counts from now.
    await expectAnswer(app, await idp.sign(ACME, { issuedAt: null, expiresAt: nowS() + 2 * 3600 }), 401);
    await expectAnswer(app, await idp.sign(ACME, { expiresAt: nowS() + 1800 }), 200);
    await expectAnswer(app, await idp.sign(ACME, { issuedAt: null, expiresAt: nowS() + 1800 }), 200);
  });

  it("refuses a JWT without sub, and one whose typ is neither JWT nor at+jwt", async () => {
    const { idp, app } = await setup();
    const noSub = await expectAnswer(app, await idp.sign(ACME, { subject: null }), 401, "invalid_token");
    expect(noSub.json().error.message).toMatch(/no sub claim/);
    await expectAnswer(app, await idp.sign(ACME, { subject: "" }), 401, "invalid_token");
    await expectAnswer(app, await idp.sign(ACME, { typ: "logout+jwt" }), 401, "invalid_token");
    await expectAnswer(app, await idp.sign(ACME, { typ: "dpop+jwt" }), 401, "invalid_token");
    for (const typ of ["JWT", "at+jwt", "application/at+JWT"]) {
      await expectAnswer(app, await idp.sign(ACME, { typ }), 200);
    }
  });

  it("accepts RS256 and ES256 keys of the issuer", async () => {
    const { idp, app } = await setup();
    await expectAnswer(app, await idp.sign(ACME, { kid: "r1" }), 200);
    await expectAnswer(app, await idp.sign(ACME, { kid: "k1" }), 200);
  });

  it("gives every subject its own rate limit, however long and alike the subjects are", async () => {
    const { idp, app } = await setup({ PM_GATEWAY_RATE_LIMIT: "1" });
    const prefix = "u".repeat(128);
    await expectAnswer(app, await idp.sign(ACME, { subject: `${prefix}-alice` }), 200);
    await expectAnswer(app, await idp.sign(ACME, { subject: `${prefix}-bob` }), 200);
    await expectAnswer(app, await idp.sign(ACME, { subject: `${prefix}-alice` }), 429, "rate_limited");
  });

  it("grants every org for * only when PM_GATEWAY_OIDC_ADMIN_VALUE names it", async () => {
    const plain = await setup();
    const star = await plain.idp.sign({ orgs: ["*"] });
    const acmeUrl = "/api/v1/measurements?org=acme";
    expect((await ask(plain.app, star, acmeUrl)).statusCode).toBe(403);

    const admin = await setup({ PM_GATEWAY_OIDC_ADMIN_VALUE: "pm:admin" });
    expect((await ask(admin.app, await admin.idp.sign({ orgs: ["pm:admin"] }), acmeUrl)).statusCode).toBe(
      200,
    );
    expect((await ask(admin.app, await admin.idp.sign({ orgs: ["*"] }), acmeUrl)).statusCode).toBe(403);

    expect(() =>
      loadGatewayConfig({
        env: {
          PM_INFLUX_URLS: "a=http://127.0.0.1:1",
          PM_GATEWAY_OIDC_ISSUER: "https://idp.example",
          PM_GATEWAY_OIDC_AUDIENCE: AUDIENCE,
          PM_GATEWAY_OIDC_ADMIN_VALUE: "acme",
        },
      }),
    ).toThrow(/PM_GATEWAY_OIDC_ADMIN_VALUE.*must not be a possible org name/);
  });
});

describe("OIDC keys", () => {
  it("refuses the keys when the discovery document names another issuer", async () => {
    const { idp, app, logs } = await setup();
    idp.discoveryIssuer = "https://evil.example";
    await expectAnswer(app, await idp.sign(ACME), 503, "idp_unavailable");
    expect(
      logs.some((line) => line.level === 50 && /names issuer "https:\/\/evil.example"/.test(line.msg)),
    ).toBe(true);
  });

  it("accepts a JWT without kid when one key fits, and tries each key that fits during a rotation", async () => {
    const { idp, app } = await setup();
    await expectAnswer(app, await idp.sign(ACME, { omitKid: true }), 200);
    // The issuer lists the old key k1 and the new k2, both ES256: both fit a token without kid.
    idp.published = ["k1", "k2", "r1"];
    const rotated = await setup();
    rotated.idp.published = ["k1", "k2", "r1"];
    await expectAnswer(rotated.app, await rotated.idp.sign(ACME, { kid: "k2", omitKid: true }), 200);
    await expectAnswer(rotated.app, await rotated.idp.sign(ACME, { kid: "k1", omitKid: true }), 200);
    await expectAnswer(rotated.app, await rotated.idp.sign(ACME, { kid: "r1", omitKid: true }), 200);
    const stranger = await rotated.idp.signWithUnknownKey(ACME);
    const strangerWithoutKid = `${base64url({ alg: "ES256" })}.${stranger.split(".").slice(1).join(".")}`;
    await expectAnswer(rotated.app, strangerWithoutKid, 401, "invalid_token");
  });

  it("stops accepting a key soon after the JWKS no longer lists it, and picks up a new one", async () => {
    const { idp, app } = await setup({
      PM_GATEWAY_OIDC_JWKS_MAX_AGE: "100ms",
      PM_GATEWAY_OIDC_JWKS_COOLDOWN: "0ms",
    });
    idp.published = ["k1", "r1"];
    await expectAnswer(app, await idp.sign(ACME, { kid: "k1" }), 200);
    // A key published later is fetched when a token names it.
    idp.published = ["k1", "k2", "r1"];
    const k2 = await idp.sign(ACME, { kid: "k2" });
    await expectAnswer(app, k2, 200);
    idp.published = ["k1", "r1"];
    await waitFor(async () => (await ask(app, k2)).statusCode === 401, "the removed key k2 to be refused");
    await expectAnswer(app, await idp.sign(ACME, { kid: "k1" }), 200);
  });
});

describe("OIDC identity provider outages", () => {
  it("checks a JWT's form before asking the IdP: `Bearer a.b.c` makes no request", async () => {
    const { idp, app } = await setup();
    idp.discovery = "error500";
    for (let i = 0; i < 20; i++) await expectAnswer(app, "a.b.c", 401, "invalid_token");
    expect(idp.requests).toEqual({ discovery: 0, jwks: 0 });
  });

  it("makes one discovery request for many concurrent and later callers while discovery fails", async () => {
    const { idp, app } = await setup();
    idp.discovery = "error500";
    const token = madeUp({ alg: "RS256", kid: "x" });
    const answers = await Promise.all(Array.from({ length: 50 }, () => ask(app, token)));
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(50).fill(503));
    for (let i = 0; i < 50; i++) await expectAnswer(app, token, 503, "idp_unavailable");
    expect(idp.requests).toEqual({ discovery: 1, jwks: 0 });
  });

  it.each([
    ["answers 500", "error500", /answered 500, expected 200/],
    ["answers a body that is not JSON", "invalidJson", /did not answer JSON/],
  ] as const)(
    "answers 503 idp_unavailable and logs the cause at error level when the JWKS %s",
    async (_what, behaviour, cause) => {
      const { idp, app, logs } = await setup();
      idp.jwks = behaviour;
      const answer = await expectAnswer(app, await idp.sign(ACME), 503, "idp_unavailable");
      expect(Number(answer.headers["retry-after"])).toBeGreaterThan(0);
      expect(logs.some((line) => line.level === 50 && cause.test(line.msg))).toBe(true);
      // A made-up kid does not make one JWKS request each while it fails.
      for (let i = 0; i < 30; i++) await expectAnswer(app, madeUp({ alg: "RS256", kid: `x${i}` }), 503);
      expect(idp.requests.jwks).toBe(1);
    },
  );

  it("fetches the JWKS again for an unknown kid at most once per PM_GATEWAY_OIDC_JWKS_COOLDOWN", async () => {
    const { idp, app } = await setup();
    await expectAnswer(app, await idp.sign(ACME), 200);
    for (let i = 0; i < 30; i++) await expectAnswer(app, madeUp({ alg: "ES256", kid: `x${i}` }), 401);
    expect(idp.requests.jwks).toBe(1);
  });

  it("answers 503 at once while a hanging IdP is known down, without asking it again", async () => {
    const { idp, app } = await setup({ PM_GATEWAY_OIDC_TIMEOUT: "300ms" });
    idp.discovery = "hang";
    const token = await idp.sign(ACME);
    await expectAnswer(app, token, 503, "idp_unavailable");
    const answers = await Promise.all(Array.from({ length: 20 }, () => ask(app, token)));
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(20).fill(503));
    expect(idp.requests.discovery).toBe(1);
  });

  it("keeps serving the last good keys while the JWKS fails or hangs, and uses the new set once it answers", async () => {
    const { idp, app, logs } = await setup({
      PM_GATEWAY_OIDC_TIMEOUT: "300ms",
      PM_GATEWAY_OIDC_JWKS_MAX_AGE: "50ms",
      PM_GATEWAY_OIDC_RETRY_MIN: "100ms",
      PM_GATEWAY_OIDC_RETRY_MAX: "200ms",
    });
    const token = await idp.sign(ACME);
    await expectAnswer(app, token, 200);
    const failedFetches = () => logs.filter((line) => line.level === 50).length;
    for (const behaviour of ["error500", "hang"] as const) {
      idp.jwks = behaviour;
      const before = failedFetches();
      await waitFor(async () => {
        await expectAnswer(app, token, 200);
        return failedFetches() >= before + 3;
      }, `three failed JWKS fetches (${behaviour})`);
    }
    // Back again: the keys are fresh again, and a key published meanwhile is taken.
    idp.jwks = "ok";
    idp.published = ["k1", "k2", "r1"];
    const k2 = await idp.sign(ACME, { kid: "k2" });
    await waitFor(async () => (await ask(app, k2)).statusCode === 200, "the recovered JWKS to be used");
  });

  it("gets the keys once the IdP answers again after failing from the start", async () => {
    const { idp, app } = await setup({
      PM_GATEWAY_OIDC_RETRY_MIN: "50ms",
      PM_GATEWAY_OIDC_RETRY_MAX: "100ms",
    });
    idp.discovery = "invalidJson";
    const token = await idp.sign(ACME);
    await expectAnswer(app, token, 503, "idp_unavailable");
    idp.discovery = "ok";
    await waitFor(
      async () => (await ask(app, token)).statusCode === 200,
      "the IdP's keys after it recovered",
    );
  });
});
