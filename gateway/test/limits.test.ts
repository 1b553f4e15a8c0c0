import { request as httpRequest } from "node:http";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, type Fixture, startFixture, tokens } from "./helpers/fixture.js";
import { startHoldingProxy } from "./helpers/holding-proxy.js";
import { waitFor } from "./helpers/wait.js";

let fixture: Fixture;
let app: FastifyInstance;

beforeAll(async () => {
  fixture = await startFixture();
  app = await fixture.gateway({
    PM_GATEWAY_MAX_RANGE: "2h",
    PM_GATEWAY_MAX_POINTS: "25",
    PM_GATEWAY_BODY_LIMIT: "1024",
  });
});
afterAll(() => fixture?.close());

const query = (body: object, token = tokens.acme) =>
  app.inject({ method: "POST", url: "/api/v1/query", headers: bearer(token), payload: body });

describe("limits", () => {
  it("refuses a range longer than PM_GATEWAY_MAX_RANGE", async () => {
    const response = await query({ measurement: "cpu", fields: ["usage"], range: { from: "-3h" } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toEqual({
      code: "range_too_large",
      message: "the range spans 3h; at most 2h is allowed",
    });
  });

  it("refuses more buckets than PM_GATEWAY_MAX_POINTS, and truncates raw points to it", async () => {
    const buckets = await query({
      measurement: "cpu",
      fields: ["usage"],
      aggregate: "mean",
      every: "1m",
      range: { from: "-1h" },
    });
    expect(buckets.statusCode).toBe(400);
    expect(buckets.json().error.code).toBe("too_many_points");

    // 2 hosts x 30 points exist: the 25 points are shared out, 12 a series, and the answer says so.
    const raw = await query({
      measurement: "cpu",
      fields: ["usage"],
      groupBy: ["host"],
      range: { from: "-1h" },
    });
    expect(raw.statusCode).toBe(200);
    const body = raw.json();
    expect(body.series.map((s: { values: unknown[] }) => s.values.length)).toEqual([12, 12]);
    expect(body.meta.truncated).toBe(true);
    const small = await query({
      measurement: "cpu",
      fields: ["usage"],
      where: { host: "a-1" },
      limit: 10,
      range: { from: "-1h" },
    });
    expect(small.json().series[0].values).toHaveLength(10);
    expect(small.json().meta.truncated).toBe(true);
    const all = await query({
      measurement: "acme_disk",
      fields: ["used"],
      limit: 25,
      range: { from: "-20m" },
    });
    expect(all.json().meta.truncated).toBe(false);
  });

  it("refuses an aggregate whose series x buckets pass PM_GATEWAY_MAX_POINTS, before InfluxDB sends them", async () => {
    // 13 five-minute buckets a host: 25 points hold one host, and acme has two.
    const perHost = {
      measurement: "cpu",
      fields: ["usage"],
      aggregate: "max",
      every: "5m",
      groupBy: ["host"],
      range: { from: "-1h" },
    };
    const refused = await query(perHost);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toEqual({
      code: "too_many_points",
      message:
        "too many points: more than 1 series of up to 13 points each; at most 25 points are allowed (narrow the where, group by fewer tags, use a larger every or a shorter range)",
    });
    const oneHost = await query({ ...perHost, where: { host: "a-1" } });
    expect(oneHost.statusCode).toBe(200);
    expect(oneHost.json().series).toHaveLength(1);
  });

  it("answers 413 for a body above PM_GATEWAY_BODY_LIMIT", async () => {
    const response = await query({
      measurement: "cpu",
      fields: ["usage"],
      range: { from: "-1h" },
      where: { host: "x".repeat(2000) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe("payload_too_large");
  });

  it("answers 400 for a body that is not JSON", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/api/v1/query",
      headers: { ...bearer(tokens.acme), "content-type": "application/json" },
      payload: "{ nope",
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe("bad_request");
  });

  it("answers 429 with Retry-After above the per-token rate, and counts tokens apart", async () => {
    const limited = await fixture.gateway({ PM_GATEWAY_RATE_LIMIT: "5", PM_GATEWAY_RATE_WINDOW: "1h" });
    const get = (token: string) =>
      limited.inject({ method: "GET", url: "/api/v1/orgs", headers: bearer(token) });
    for (let i = 0; i < 5; i++) expect((await get(tokens.limited)).statusCode).toBe(200);
    const refused = await get(tokens.limited);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe("rate_limited");
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    expect((await get(tokens.multi)).statusCode).toBe(200);
  });

  it("answers 504 for a query slower than the timeout, and keeps both replicas ready (their ping answers)", async () => {
    // A real slow query: 3.6 million 1 ms buckets take influxd seconds to produce; it stops when
    // the gateway hangs up. Pinged only at start: what the query does is what is under test.
    const slow = await fixture.gateway({
      PM_GATEWAY_QUERY_TIMEOUT: "150ms",
      PM_GATEWAY_MAX_POINTS: "10000000",
      PM_GATEWAY_MAX_CONCURRENT: "2",
      PM_GATEWAY_PROBE_INTERVAL: "1h",
    });
    const heavy = {
      measurement: "cpu",
      fields: ["usage"],
      aggregate: "mean",
      every: "1ms",
      range: { from: "-1h" },
    };
    const ask = () =>
      slow.inject({ method: "POST", url: "/api/v1/query", headers: bearer(tokens.busy), payload: heavy });
    for (let i = 0; i < 3; i++) {
      const response = await ask();
      expect(response.statusCode).toBe(504);
      expect(response.json().error.code).toBe("query_timeout");
    }
    // The query's own slowness is not the replicas' failure: nobody else is turned away.
    expect(slow.replicaStatus().map((replica) => replica.healthy)).toEqual([true, true]);
    expect((await slow.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);

    // Two requests in flight fill the token's concurrency; a third is turned away at once. The two
    // hold their slots while their bodies have not all arrived (the slot is taken before the body
    // is read): no race with a timeout. Hanging up gives the slots back.
    // (The waits poll: a rate limit they cannot reach.)
    const holding = await fixture.gateway({
      PM_GATEWAY_MAX_CONCURRENT: "2",
      PM_GATEWAY_RATE_LIMIT: "1000000",
    });
    const base = await holding.listen({ port: 0, host: "127.0.0.1" });
    const orgs = () => holding.inject({ method: "GET", url: "/api/v1/orgs", headers: bearer(tokens.busy) });
    const inFlight = [1, 2].map(() => {
      const request = httpRequest(`${base}/api/v1/query`, {
        method: "POST",
        headers: { ...bearer(tokens.busy), "content-type": "application/json", "content-length": "1000" },
      });
      request.on("error", () => {});
      request.write("{");
      return request;
    });
    await waitFor(async () => (await orgs()).statusCode !== 200, "two requests to hold both slots");
    const third = await orgs();
    expect(third.statusCode).toBe(429);
    expect(third.json().error.code).toBe("too_many_concurrent");
    expect(third.headers["retry-after"]).toBe("1");
    for (const request of inFlight) request.destroy();
    await waitFor(async () => (await orgs()).statusCode === 200, "the slots to be given back");
    expect(
      (await slow.inject({ method: "GET", url: "/api/v1/orgs", headers: bearer(tokens.busy) })).statusCode,
    ).toBe(200);
  });

  it("gives the slot back when the caller hangs up during a slow query, once its aborted query ends", async () => {
    const slow = await fixture.gateway({
      PM_GATEWAY_QUERY_TIMEOUT: "300ms",
      PM_GATEWAY_MAX_POINTS: "10000000",
      PM_GATEWAY_MAX_CONCURRENT: "1",
    });
    const base = await slow.listen({ port: 0, host: "127.0.0.1" });
    const orgs = () => slow.inject({ method: "GET", url: "/api/v1/orgs", headers: bearer(tokens.busy) });
    const heavy = JSON.stringify({
      measurement: "cpu",
      fields: ["usage"],
      aggregate: "mean",
      every: "1ms",
      range: { from: "-1h" },
    });
    const hungUp = httpRequest(`${base}/api/v1/query`, {
      method: "POST",
      headers: { ...bearer(tokens.busy), "content-type": "application/json" },
    });
    hungUp.on("error", () => {});
    hungUp.end(heavy);
    await waitFor(async () => (await orgs()).statusCode === 429, "the slow query to hold the only slot");
    hungUp.destroy();
    // The InfluxDB query is aborted with the caller; once it has ended the token may query again.
    await waitFor(async () => (await orgs()).statusCode === 200, "the slot to be given back");
  });

  it("never has more of a token's queries running on InfluxDB than its limit, whatever its callers hang up", async () => {
    const proxy = await startHoldingProxy(fixture.a.url);
    const gateway = await fixture.gateway({
      PM_INFLUX_URLS: `a=${proxy.url},b=${proxy.url}`,
      PM_GATEWAY_MAX_CONCURRENT: "8",
      PM_GATEWAY_PROBE_INTERVAL: "1h",
    });
    const base = await gateway.listen({ port: 0, host: "127.0.0.1" });
    try {
      for (let i = 0; i < 40; i++) {
        // Each caller waits until its query reaches InfluxDB (or it is turned away), then hangs up.
        const receivedBefore = proxy.received;
        let refused = false;
        const caller = httpRequest(`${base}/api/v1/measurements`, { headers: bearer(tokens.busy) });
        caller.on("response", (response) => {
          refused = response.statusCode === 429;
          response.resume();
        });
        caller.on("error", () => {});
        caller.end();
        await waitFor(
          () => proxy.received > receivedBefore || refused,
          "the query to reach InfluxDB or a 429",
        );
        caller.destroy();
      }
      expect(proxy.maxInFlight).toBeGreaterThan(0);
      expect(proxy.maxInFlight).toBeLessThanOrEqual(8);
    } finally {
      proxy.release();
      await proxy.close();
    }
  });
});
