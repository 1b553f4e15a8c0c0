import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { METRICS_STREAM, METRICS_SUBJECTS, metricsSubject } from "@platform-metrics/sdk/contracts";
import { checkDeclarations } from "@platform-metrics/sdk/docs";
import { type Point, parseLine } from "@platform-metrics/sdk/line-protocol";
import { ConfigError, checkPoint, createLogger, declaredLine } from "@platform-metrics/sdk/service";
import { type NatsServer, startNats } from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../src/config.js";
import { GATEWAY_MEASUREMENTS } from "../src/measurements.js";
import { GatewayCounters } from "../src/self-metrics/counters.js";
import { gatewayLine } from "../src/self-metrics/gateway-line.js";
import { bearer, DB, type Fixture, startFixture, startGateway, tokens } from "./helpers/fixture.js";
import { waitFor } from "./helpers/wait.js";

let fixture: Fixture;
let nats: NatsServer;
let nc: NatsConnection;
/** Every pm_gateway point published, in order, with its subject. */
const received: { subject: string; point: Point }[] = [];

beforeAll(async () => {
  [fixture, nats] = await Promise.all([startFixture(), startNats()]);
  nc = await connect({ servers: nats.url });
  // The relay creates the stream in a deployment; the gateway's sink only publishes into it.
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: METRICS_STREAM, subjects: [METRICS_SUBJECTS] });
  nc.subscribe("metrics.>", {
    callback: (_error, message) => {
      for (const line of message.string().split("\n").filter(Boolean))
        received.push({ subject: message.subject, point: parseLine(line) });
    },
  });
});
afterAll(async () => {
  await nc?.close();
  await Promise.all([fixture?.close(), nats?.close()]);
});

const gateway = (env: Record<string, string>, logs: string[] = []) =>
  startGateway(
    `a=${fixture.a.url},b=${fixture.b.url}`,
    DB,
    fixture.tokensFile,
    env,
    createLogger({ name: "gw", level: "info", destination: { write: (line) => logs.push(line) } }),
  );

const integer = (point: Point, field: string) => {
  const value = point.fields[field];
  return value?.type === "integer" ? Number(value.value) : undefined;
};

const ofPod = (pod: string) => received.filter(({ point }) => point.tags.pod === pod);

describe("pm_gateway", () => {
  it("counts each class of answer and publishes them to metrics.platform.gateway, the last point on close", async () => {
    // A long interval: the only point is the one close() publishes, so the counts are exact.
    const app = await gateway({
      PM_NATS_URL: nats.url,
      PM_METRICS_INTERVAL: "1h",
      PM_POD_NAME: "gw-close",
      PM_GATEWAY_RATE_LIMIT: "3",
    });
    const get = (url: string, token?: string) =>
      app.inject({ method: "GET", url, headers: token ? bearer(token) : {} });
    const statuses = [
      (await get("/api/v1/measurements?org=acme", tokens.acme)).statusCode,
      (await get("/api/v1/measurements?org=Not_An_Org", tokens.acme)).statusCode,
      (await get("/api/v1/measurements?org=acme", tokens.globex)).statusCode,
      (await get("/api/v1/measurements?org=acme")).statusCode,
      (await get("/api/v1/measurements?org=acme", "not-a-token")).statusCode,
      (await get(`/query?db=${DB}&q=${encodeURIComponent("SHOW MEASUREMENTS")}`, tokens.multi)).statusCode,
      (await get(`/query?db=${DB}&q=${encodeURIComponent("DROP DATABASE x")}`, tokens.multi)).statusCode,
      (await get(`/query?q=${encodeURIComponent("SHOW DATABASES")}`, tokens.multi)).statusCode,
      // The multi token's fourth request in the window: over PM_GATEWAY_RATE_LIMIT.
      (await get(`/query?db=${DB}&q=${encodeURIComponent("SHOW DATABASES")}`, tokens.multi)).statusCode,
      // Neither counted: no API route.
      (await get("/healthz")).statusCode,
      (await get("/api/v1/no-such-route", tokens.acme)).statusCode,
    ];
    expect(statuses).toEqual([200, 400, 403, 401, 401, 400, 400, 200, 429, 200, 404]);
    expect(received.length).toBe(0);

    await app.close();
    await waitFor(() => ofPod("gw-close").length > 0, "the pm_gateway point published on close");
    const [{ subject, point }] = ofPod("gw-close") as [{ subject: string; point: Point }];
    expect(subject).toBe(metricsSubject("platform", "gateway"));
    expect(checkPoint(GATEWAY_MEASUREMENTS, point)).toEqual([]);
    expect(point.measurement).toBe("pm_gateway");
    expect(point.tags).toEqual({ org: "platform", source: "gateway", pod: "gw-close" });
    const counts = Object.fromEntries(
      Object.keys(point.fields)
        .filter((field) => !field.startsWith("query_ms_"))
        .map((field) => [field, integer(point, field)]),
    );
    expect(counts).toEqual({
      requests: 9,
      responses_2xx: 2,
      responses_4xx: 7,
      responses_5xx: 0,
      unauthorized: 2,
      forbidden: 1,
      rate_limited: 1,
      // The rate-limited one is refused before the route: not an InfluxQL request.
      influxql_requests: 3,
      influxql_statements: 1,
      // SHOW MEASUREMENTS from a token of two orgs that names neither, and DROP DATABASE.
      influxql_refused: 2,
      // The measurements listing and SHOW MEASUREMENTS each asked InfluxDB.
      queries: counts.queries,
      query_errors: 0,
      failovers: 0,
      replicas: 2,
      replicas_up: 2,
    });
    expect(counts.queries).toBeGreaterThanOrEqual(1);
    for (const field of ["query_ms_mean", "query_ms_p99", "query_ms_max"])
      expect(point.fields[field]?.type, field).toBe("float");
  });

  it("publishes every PM_METRICS_INTERVAL while it runs", async () => {
    const app = await gateway({ PM_NATS_URL: nats.url, PM_METRICS_INTERVAL: "1s", PM_POD_NAME: "gw-tick" });
    try {
      await app.inject({ method: "GET", url: "/api/v1/orgs", headers: bearer(tokens.acme) });
      await waitFor(
        () => ofPod("gw-tick").some(({ point }) => integer(point, "requests") === 1),
        "a pm_gateway point counting the request",
      );
      await waitFor(() => ofPod("gw-tick").length >= 2, "a second pm_gateway point");
    } finally {
      const published = ofPod("gw-tick").length;
      await app.close();
      // close() publishes one more; waited for, so that no later test sees it arrive.
      await waitFor(() => ofPod("gw-tick").length > published, "the pm_gateway point published on close");
    }
  });

  it("counts a query that failed on one replica and the failover that answered it", async () => {
    // A replica that answers its ping but fails every query with 500: the gateway tries the next.
    const failing = createServer((request, response) => {
      response.writeHead(request.url?.startsWith("/ping") ? 204 : 500).end();
    });
    await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
    const failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
    const app = await startGateway(`bad=${failingUrl},a=${fixture.a.url}`, DB, fixture.tokensFile, {
      PM_NATS_URL: nats.url,
      PM_METRICS_INTERVAL: "1h",
      PM_POD_NAME: "gw-failover",
      PM_GATEWAY_PROBE_INTERVAL: "1h",
    });
    try {
      const answer = await app.inject({
        method: "GET",
        url: "/api/v1/measurements?org=acme",
        headers: bearer(tokens.acme),
      });
      expect(answer.statusCode).toBe(200);
      expect(answer.headers["x-pm-replica"]).toBe("a");
    } finally {
      await app.close();
      await new Promise((resolve) => failing.close(resolve));
    }
    await waitFor(() => ofPod("gw-failover").length > 0, "the pm_gateway point published on close");
    const { point } = ofPod("gw-failover")[0]!;
    expect(checkPoint(GATEWAY_MEASUREMENTS, point)).toEqual([]);
    expect([integer(point, "queries"), integer(point, "query_errors"), integer(point, "failovers")]).toEqual([
      2, 1, 1,
    ]);
    expect(integer(point, "responses_2xx")).toBe(1);
    expect(integer(point, "replicas")).toBe(2);
  });

  it("works without PM_NATS_URL, says once that its self-metrics are off, and publishes nothing", async () => {
    const logs: string[] = [];
    const before = received.length;
    const app = await gateway({ PM_METRICS_INTERVAL: "1s", PM_POD_NAME: "gw-off" }, logs);
    try {
      const answer = await app.inject({ method: "GET", url: "/api/v1/orgs", headers: bearer(tokens.acme) });
      expect(answer.statusCode).toBe(200);
      expect(logs.filter((line) => line.includes("pm_gateway self-metrics are off"))).toHaveLength(1);
    } finally {
      await app.close();
    }
    expect(ofPod("gw-off")).toEqual([]);
    expect(received.length).toBe(before);
  });
});

describe("pm_gateway's settings", () => {
  const load = (env: Record<string, string>) => () =>
    loadGatewayConfig({
      env: { PM_INFLUX_URLS: "a=http://127.0.0.1:8086", PM_GATEWAY_TOKENS_FILE: "/t.yaml", ...env },
    });

  it.each([
    [{ PM_NATS_URL: "http://127.0.0.1:4222" }, /PM_NATS_URL/],
    [{ PM_NATS_URL: " , " }, /PM_NATS_URL/],
    [{ PM_METRICS_INTERVAL: "500ms" }, /PM_METRICS_INTERVAL/],
    [{ PM_METRICS_INTERVAL: "often" }, /PM_METRICS_INTERVAL/],
  ])("refuses %o at start, naming the variable", (env, named) => {
    expect(load(env)).toThrow(ConfigError);
    expect(load(env)).toThrow(named);
  });

  it("takes several NATS servers, and defaults to no NATS and 10 s", () => {
    const defaults = load({})();
    expect(defaults.natsUrl).toBeUndefined();
    expect(defaults.metricsInterval).toBe(10_000);
    expect(load({ PM_NATS_URL: "nats://a:4222,nats://b:4222" })().natsUrl).toEqual([
      "nats://a:4222",
      "nats://b:4222",
    ]);
  });
});

describe("the pm_gateway line", () => {
  it("declares GatewayCounters' running counts as counters, and the query times and replicas as of the moment", () => {
    expect(checkDeclarations(GATEWAY_MEASUREMENTS)).toEqual([]);
    const fields = Object.entries(GATEWAY_MEASUREMENTS.pm_gateway.fields);
    const counters = fields.filter(([, f]) => "counter" in f && f.counter).map(([name]) => name);
    expect(fields.map(([name]) => name).filter((name) => !counters.includes(name))).toEqual([
      "query_ms_mean",
      "query_ms_p99",
      "query_ms_max",
      "replicas",
      "replicas_up",
    ]);
  });

  it("writes every declared field and tag, and nothing undeclared", () => {
    const counters = new GatewayCounters();
    counters.answered(200);
    counters.queried(4, false);
    counters.queried(8, true);
    const line = gatewayLine(counters, [{ name: "a", healthy: true }], { pod: "gw-0" }, 1_000n);
    const point = parseLine(line);
    expect(checkPoint(GATEWAY_MEASUREMENTS, point)).toEqual([]);
    expect(Object.keys(point.fields).sort()).toEqual(
      Object.keys(GATEWAY_MEASUREMENTS.pm_gateway.fields).sort(),
    );
    expect(point.fields.query_ms_mean).toEqual({ type: "float", value: 6 });
    expect(point.fields.query_ms_max).toEqual({ type: "float", value: 8 });
    expect(point.fields.query_errors).toEqual({ type: "integer", value: 1n });

    // The query times are the interval's: the next line, with no query since, has none.
    const next = parseLine(gatewayLine(counters, [], {}, 2_000n));
    expect(next.fields.query_ms_mean).toBeUndefined();
    expect(next.fields.queries).toEqual({ type: "integer", value: 2n });
    expect(next.tags.pod).toBeUndefined();
  });

  it("refuses a point that strays from the declaration", () => {
    const point: Point = {
      measurement: "pm_gateway",
      tags: { org: "platform", source: "gateway" },
      fields: { requests: { type: "integer", value: 1n } },
      timestamp: 1_000n,
    };
    expect(declaredLine(GATEWAY_MEASUREMENTS, point)).toBe(
      "pm_gateway,org=platform,source=gateway requests=1i 1000",
    );
    // A tag per org would be a series per tenant: not declared, so never written.
    expect(() =>
      declaredLine(GATEWAY_MEASUREMENTS, { ...point, tags: { ...point.tags, tenant: "acme" } }),
    ).toThrow(/tag "tenant" is not declared/);
    expect(() =>
      declaredLine(GATEWAY_MEASUREMENTS, {
        ...point,
        fields: { ...point.fields, requests: { type: "float", value: 1 } },
      }),
    ).toThrow(/pm_gateway.requests: declared integer, got float/);
  });

  it("keeps the p99 of many queries from a bounded sample", () => {
    const counters = new GatewayCounters();
    // 5% of 100,000 queries took 1000 ms, the last one 2000 ms: far more than any sample could miss.
    for (let i = 1; i < 100_000; i++) counters.queried(i % 20 === 0 ? 1000 : 1, false);
    counters.queried(2000, false);
    const point = parseLine(gatewayLine(counters, [], {}, 1_000n));
    expect(point.fields.query_ms_max).toEqual({ type: "float", value: 2000 });
    expect(point.fields.query_ms_p99).toEqual({ type: "float", value: 1000 });
    expect((point.fields.query_ms_mean as { value: number }).value).toBeCloseTo(
      (95_000 * 1 + 4_999 * 1000 + 2000) / 100_000,
      6,
    );
  });
});
