import { type AddressInfo, connect } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressKey, FailureLimit } from "../src/auth/failure-limit.js";
import { loadGatewayConfig } from "../src/config.js";
import { bearer, type Fixture, startFixture, tokens } from "./helpers/fixture.js";
import { waitFor } from "./helpers/wait.js";

let fixture: Fixture;

beforeAll(async () => {
  fixture = await startFixture();
});
afterAll(async () => {
  await fixture?.close();
});

const measurements = (
  app: FastifyInstance,
  headers: Record<string, string | string[]>,
  remoteAddress = "10.0.0.1",
) => app.inject({ method: "GET", url: "/api/v1/measurements", headers, remoteAddress });

describe("failed-authentication limit per client address", () => {
  it("answers 429 with Retry-After once an address has failed too often, before checking its token", async () => {
    const app = await fixture.gateway({
      PM_GATEWAY_AUTH_FAILURE_LIMIT: "3",
      PM_GATEWAY_AUTH_FAILURE_WINDOW: "1h",
    });
    for (let i = 0; i < 3; i++)
      expect((await measurements(app, bearer(`pmg_guess${i}`))).statusCode).toBe(401);
    const refused = await measurements(app, bearer(tokens.acme));
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe("too_many_failures");
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(3000);
    // Another address is not held back, and a missing token counts as a failure too.
    expect((await measurements(app, bearer(tokens.acme), "10.0.0.2")).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) expect((await measurements(app, {}, "10.0.0.3")).statusCode).toBe(401);
    expect((await measurements(app, bearer(tokens.acme), "10.0.0.3")).statusCode).toBe(429);
  });

  it("counts the addresses of one IPv6 /64 together", async () => {
    const app = await fixture.gateway({
      PM_GATEWAY_AUTH_FAILURE_LIMIT: "2",
      PM_GATEWAY_AUTH_FAILURE_WINDOW: "1h",
    });
    expect((await measurements(app, bearer("pmg_x"), "2001:db8:1:2::1")).statusCode).toBe(401);
    expect((await measurements(app, bearer("pmg_x"), "2001:db8:1:2:ffff::9")).statusCode).toBe(401);
    expect((await measurements(app, bearer(tokens.acme), "2001:db8:1:2::7")).statusCode).toBe(429);
    expect((await measurements(app, bearer(tokens.acme), "2001:db8:1:3::1")).statusCode).toBe(200);
  });

  it("uses X-Forwarded-For only when PM_GATEWAY_TRUST_PROXY is set", async () => {
    const env = { PM_GATEWAY_AUTH_FAILURE_LIMIT: "2", PM_GATEWAY_AUTH_FAILURE_WINDOW: "1h" };
    // The requests come from 10.0.0.1, the proxy.
    const trusting = await fixture.gateway({ ...env, PM_GATEWAY_TRUST_PROXY: "10.0.0.0/8" });
    const from = (client: string) => ({ "x-forwarded-for": client });
    for (let i = 0; i < 2; i++) {
      expect((await measurements(trusting, { ...bearer("pmg_x"), ...from("198.51.100.1") })).statusCode).toBe(
        401,
      );
    }
    expect(
      (await measurements(trusting, { ...bearer(tokens.acme), ...from("198.51.100.1") })).statusCode,
    ).toBe(429);
    expect(
      (await measurements(trusting, { ...bearer(tokens.acme), ...from("198.51.100.2") })).statusCode,
    ).toBe(200);

    const direct = await fixture.gateway(env);
    for (let i = 0; i < 2; i++) {
      expect(
        (await measurements(direct, { ...bearer("pmg_x"), ...from(`198.51.100.${i}`) })).statusCode,
      ).toBe(401);
    }
    expect((await measurements(direct, { ...bearer(tokens.acme), ...from("198.51.100.9") })).statusCode).toBe(
      429,
    );
  });

  it("counts a client under the address its proxy saw, whatever X-Forwarded-For the client wrote itself", async () => {
    const app = await fixture.gateway({
      PM_GATEWAY_AUTH_FAILURE_LIMIT: "2",
      PM_GATEWAY_AUTH_FAILURE_WINDOW: "1h",
      PM_GATEWAY_TRUST_PROXY: "10.0.0.1, fd00::/8",
    });
    // The proxy appends the address it saw (198.51.100.5) to what the client sent: a fresh made-up
    // address each time, which trusting every hop would have taken as the client's.
    const forged = (i: number) => ({ "x-forwarded-for": `203.0.113.${i}, 198.51.100.5` });
    for (let i = 0; i < 2; i++)
      expect((await measurements(app, { ...bearer("pmg_x"), ...forged(i) })).statusCode).toBe(401);
    expect((await measurements(app, { ...bearer(tokens.acme), ...forged(9) })).statusCode).toBe(429);
    // A client that reaches the gateway directly is not a trusted proxy: its own header is ignored.
    for (let i = 0; i < 2; i++) {
      const direct = await measurements(
        app,
        { ...bearer("pmg_x"), "x-forwarded-for": `203.0.113.${i}` },
        "198.51.100.7",
      );
      expect(direct.statusCode).toBe(401);
    }
    expect((await measurements(app, bearer(tokens.acme), "198.51.100.7")).statusCode).toBe(429);
    // Through the IPv6 proxy range too.
    expect((await measurements(app, { ...bearer(tokens.acme), ...forged(1) }, "fd00::1")).statusCode).toBe(
      429,
    );
  });

  it("PM_GATEWAY_TRUST_PROXY takes addresses and CIDRs, and refuses true, a hop count or a bad address", () => {
    const config = (value: string) =>
      loadGatewayConfig({
        env: {
          PM_INFLUX_URLS: "a=http://127.0.0.1:8086",
          PM_GATEWAY_TOKENS_FILE: "tokens.yaml",
          PM_GATEWAY_TRUST_PROXY: value,
        },
      });
    expect(config("false").gatewayTrustProxy).toBe(false);
    expect(config("10.0.0.0/8,192.0.2.1, 2001:db8::/32,loopback").gatewayTrustProxy).toEqual([
      "10.0.0.0/8",
      "192.0.2.1",
      "2001:db8::/32",
      "loopback",
    ]);
    expect(() => config("true")).toThrow(
      /PM_GATEWAY_TRUST_PROXY.*would believe an X-Forwarded-For that a client wrote itself/s,
    );
    expect(() => config("2")).toThrow(/PM_GATEWAY_TRUST_PROXY.*addresses or CIDRs/s);
    for (const bad of ["10.0.0.0/33", "2001:db8::/129", "300.1.1.1", "ingress", "10.0.0.1/8/1", "10.0.0.0/"])
      expect(() => config(bad), bad).toThrow(
        new RegExp(`not an address or CIDR: "${bad.replace(/[./]/g, "\\$&")}"`),
      );
  });

  it("lets the address in again once its window has passed", async () => {
    const app = await fixture.gateway({
      PM_GATEWAY_AUTH_FAILURE_LIMIT: "1",
      PM_GATEWAY_AUTH_FAILURE_WINDOW: "200ms",
    });
    expect((await measurements(app, bearer("pmg_x"))).statusCode).toBe(401);
    expect((await measurements(app, bearer(tokens.acme))).statusCode).toBe(429);
    await waitFor(
      async () => (await measurements(app, bearer(tokens.acme))).statusCode === 200,
      "the window to end",
    );
  });

  it("remembers a bounded number of addresses, the most recently seen", () => {
    const limit = new FailureLimit({ limit: 1, windowMs: 3_600_000, maxAddresses: 100 });
    for (let i = 0; i < 10_000; i++) limit.recordFailure(`10.1.${i >> 8}.${i & 255}`);
    expect(limit.blockedFor("10.1.39.15")).toBeGreaterThan(0); // the last one
    expect(limit.blockedFor("10.1.0.0")).toBe(0); // long pushed out
    expect((limit as unknown as { failures: { size: number } }).failures.size).toBe(100);
  });

  it.each([
    ["192.0.2.7", "192.0.2.7"],
    ["::ffff:192.0.2.7", "192.0.2.7"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["2001:0DB8:0001:0002:0003:0004:0005:0006", "2001:db8:1:2::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["64:ff9b::192.0.2.7", "64:ff9b:0:0::/64"],
  ])("keys %s as %s", (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});

describe("malformed requests", () => {
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    app = await fixture.gateway();
    await app.listen({ port: 0, host: "127.0.0.1" });
    port = (app.server.address() as AddressInfo).port;
  });

  it("refuses two Authorization headers with 400", async () => {
    const response = await measurements(app, {
      authorization: [`Bearer ${tokens.acme}`, `Bearer ${tokens.globex}`],
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toEqual({
      code: "bad_request",
      message: "expected one Authorization header, got 2",
    });
  });

  /** One raw HTTP/1.1 exchange over a real socket; the whole answer as text. */
  const rawExchange = async (request: string): Promise<string> => {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.write(request));
      let answer = "";
      socket.on("data", (chunk) => {
        answer += chunk.toString("latin1");
      });
      socket.on("close", () => resolve(answer));
      socket.on("error", reject);
    });
  };
  const body = (answer: string) => JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));

  it("refuses two Authorization headers over a real connection", async () => {
    const answer = await rawExchange(
      `GET /api/v1/measurements HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokens.acme}\r\nauthorization: Bearer nope\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(body(answer).error.code).toBe("bad_request");
  });

  it("answers headers that are too large with 431 in the documented error format", async () => {
    const answer = await rawExchange(
      `GET /api/v1/measurements HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(body(answer)).toEqual({
      error: { code: "headers_too_large", message: "the request headers are too large" },
    });
  });
});
