import { request as httpRequest } from "node:http";
import { createLogger } from "@platform-metrics/sdk";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, DB, type Fixture, startFixture, tokens } from "./helpers/fixture.js";
import { startHoldingProxy } from "./helpers/holding-proxy.js";
import { influxql, seriesOf } from "./helpers/influxql.js";
import { waitFor } from "./helpers/wait.js";

// /query as InfluxDB 1.x's HTTP API: credentials, parameters, answer and error shapes, the structured
// API's limits, replica failover and the caller hanging up.

let fixture: Fixture;
let app: FastifyInstance;
const logs: string[] = [];
const RANGE = "time >= now() - 1h";
const MEASUREMENTS = "SHOW MEASUREMENTS";

beforeAll(async () => {
  fixture = await startFixture();
  const logger = createLogger({
    name: "gw",
    level: "debug",
    destination: { write: (line) => logs.push(line) },
  });
  app = await fixture.gateway({ PM_GATEWAY_PROBE_INTERVAL: "1h", PM_GATEWAY_RATE_LIMIT: "100000" }, logger);
});
afterAll(() => fixture?.close());

const query = (url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: "GET", url, headers });
const q = (text: string) => `db=${DB}&q=${encodeURIComponent(text)}`;
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});
const measurementsOf = (body: string) => JSON.parse(body).results[0].series[0].values.flat();

describe("credentials", () => {
  it.each([
    ["Authorization: Token", { authorization: `Token ${tokens.acme}` }, ""],
    ["Authorization: Bearer", bearer(tokens.acme), ""],
    ["basic auth, the token as password (Grafana, the influx CLI)", basic("grafana", tokens.acme), ""],
    ["basic auth with an empty user", basic("", tokens.acme), ""],
    ["u and p in the URL", {}, `&u=anyone&p=${encodeURIComponent(tokens.acme)}`],
  ])("takes %s", async (_name, headers, extra) => {
    const response = await query(`/query?${q(MEASUREMENTS)}${extra}`, headers);
    expect(response.statusCode, response.body).toBe(200);
    expect(measurementsOf(response.body)).toEqual(["acme_disk", "acme_status", "cpu"]);
  });

  it.each([
    ["no credentials", {}, "", 401, /missing credentials/],
    ["a wrong token", { authorization: "Token nope" }, "", 401, /token is not valid/],
    ["a wrong basic password", basic("grafana", "nope"), "", 401, /token is not valid/],
    [
      "basic auth without a colon",
      { authorization: `Basic ${Buffer.from("x").toString("base64")}` },
      "",
      401,
      /user:token/,
    ],
    ["an unknown scheme", { authorization: `Digest ${tokens.acme}` }, "", 401, /expected Authorization/],
    ["an expired token", { authorization: `Token ${tokens.expired}` }, "", 401, /expired/],
    ["a wrong p", {}, "&p=nope", 401, /token is not valid/],
    ["two p", {}, `&p=${tokens.acme}&p=${tokens.acme}`, 400, /one p/],
  ])("refuses %s in InfluxDB's error shape", async (_name, headers, extra, status, message) => {
    const response = await query(`/query?${q(MEASUREMENTS)}${extra}`, headers as Record<string, string>);
    expect(response.statusCode).toBe(status);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    expect(Object.keys(response.json())).toEqual(["error"]);
    expect(response.json().error).toMatch(message);
  });

  it("never writes a token into the log, whichever way it came", async () => {
    await query(`/query?${q(MEASUREMENTS)}&p=${encodeURIComponent(tokens.acme)}`);
    await query(`/query?${q(MEASUREMENTS)}`, basic("grafana", tokens.acme));
    await query(`/query?${q(MEASUREMENTS)}&p=${encodeURIComponent(tokens.globex)}x`);
    expect(logs.filter((line) => line.includes('"route":"/query"')).length).toBeGreaterThanOrEqual(3);
    for (const line of logs) {
      expect(line).not.toContain(tokens.acme);
      expect(line).not.toContain(tokens.globex);
    }
  });
});

describe("parameters and answers", () => {
  it("answers /ping without credentials, as influxd", async () => {
    for (const method of ["GET", "HEAD"] as const) {
      const ping = await app.inject({ method, url: "/ping" });
      expect(ping.statusCode).toBe(204);
      expect(ping.headers["x-influxdb-version"]).toMatch(/^1\./);
    }
    expect((await app.inject({ method: "GET", url: "/ping?verbose=true" })).json()).toEqual({
      version: "1.8.10",
    });
  });

  it("takes q from a form body (Grafana's POST mode) and from the URL of an empty POST (the CLI)", async () => {
    const form = await app.inject({
      method: "POST",
      url: `/query?db=${DB}`,
      headers: { authorization: `Token ${tokens.acme}`, "content-type": "application/x-www-form-urlencoded" },
      payload: `q=${encodeURIComponent(MEASUREMENTS)}&epoch=ms`,
    });
    expect(measurementsOf(form.body)).toEqual(["acme_disk", "acme_status", "cpu"]);
    const cli = await app.inject({
      method: "POST",
      url: `/query?chunked=true&epoch=ns&${q(MEASUREMENTS)}`,
      headers: basic("x", tokens.acme),
    });
    expect(cli.body).toBe(
      `${JSON.stringify({ results: [{ statement_id: 0, series: [{ name: "measurements", columns: ["name"], values: [["acme_disk"], ["acme_status"], ["cpu"]] }] }] })}\n`,
    );
  });

  it("writes times as epoch integers when asked, nanoseconds exactly, else RFC 3339", async () => {
    const select = `SELECT last("usage") FROM "cpu" WHERE ${RANGE} AND "host" = 'a-1'`;
    const rfc = seriesOf(await influxql(app, select, { epoch: "" }))[0]![0]!.values[0]![0] as string;
    expect(rfc).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00Z$/);
    const ms = Date.parse(rfc);
    expect(seriesOf(await influxql(app, select, { epoch: "ms" }))[0]![0]!.values[0]![0]).toBe(ms);
    expect(seriesOf(await influxql(app, select, { epoch: "s" }))[0]![0]!.values[0]![0]).toBe(ms / 1000);
    expect(seriesOf(await influxql(app, select, { epoch: "h" }))[0]![0]!.values[0]![0]).toBe(
      Math.floor(ms / 3_600_000),
    );
    const ns = await influxql(app, select, { epoch: "ns" });
    expect(ns.body).toContain(`[[${BigInt(ms) * 1_000_000n},`);
    const bad = await influxql(app, select, { epoch: "fortnight" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/epoch "fortnight": expected one of/);
  });

  it("reads unqualified measurements in the retention policy of rp (Grafana sends it)", async () => {
    const select = encodeURIComponent(`SELECT count("usage") FROM "cpu" WHERE ${RANGE}`);
    const autogen = await query(`/query?db=${DB}&rp=autogen&q=${select}`, bearer(tokens.acme));
    expect(seriesOf(autogen)[0]![0]!.values[0]![1]).toBe(60);
    const other = await query(`/query?db=${DB}&rp=no_such_rp&q=${select}`, bearer(tokens.acme));
    expect(other.statusCode).toBe(200);
    expect(other.json().results[0].error).toBeDefined();
  });

  it("pretty-prints when asked", async () => {
    const response = await query(`/query?${q(MEASUREMENTS)}&pretty=true`, bearer(tokens.acme));
    expect(response.body).toContain('\n    "results": [\n');
    expect(JSON.parse(response.body).results[0].series[0].values).toHaveLength(3);
  });

  it("needs q, and one of each parameter", async () => {
    const none = await query(`/query?db=${DB}`, bearer(tokens.acme));
    expect(none.statusCode).toBe(400);
    expect(none.json()).toEqual({ error: 'missing required parameter "q"' });
    const twice = await query(`/query?${q(MEASUREMENTS)}&db=${DB}`, bearer(tokens.acme));
    expect(twice.json()).toEqual({ error: "expected one db parameter" });
    const form = await app.inject({
      method: "POST",
      url: `/query?db=${DB}`,
      headers: { ...bearer(tokens.acme), "content-type": "application/x-www-form-urlencoded" },
      payload: "q=SHOW+MEASUREMENTS&q=SHOW+DATABASES",
    });
    expect(form.json()).toEqual({ error: "expected one q parameter" });
  });

  it("answers each statement in order; one that fails ends the request there, as influxd", async () => {
    const response = await influxql(
      app,
      `SHOW MEASUREMENTS; SELECT max("state") FROM "acme_status" WHERE ${RANGE}; SHOW DATABASES`,
    );
    expect(response.statusCode).toBe(200);
    const { results } = response.json();
    expect(results).toHaveLength(2);
    expect(results[0].series[0].values).toHaveLength(3);
    expect(results[1]).toEqual({ statement_id: 1, error: expect.stringMatching(/could not run the query/) });
  });
});

describe("limits of the structured API", () => {
  it("bounds the range and the points, before asking and in the answer", async () => {
    const small = await fixture.gateway({
      PM_GATEWAY_MAX_POINTS: "40",
      PM_GATEWAY_MAX_RANGE: "2h",
      PM_GATEWAY_PROBE_INTERVAL: "1h",
    });
    const long = await influxql(
      small,
      `SELECT mean("usage") FROM "cpu" WHERE time >= now() - 3h GROUP BY time(1h)`,
    );
    expect(long.statusCode).toBe(400);
    expect(long.json().error).toBe("the time range spans 3h; at most 2h is allowed");
    const buckets = await influxql(small, `SELECT mean("usage") FROM "cpu" WHERE ${RANGE} GROUP BY time(1m)`);
    expect(buckets.statusCode).toBe(400);
    expect(buckets.json().error).toMatch(/too many points: 61 buckets of 1m/);
    // Two series of 30 points: 60 > 40, found from the series count before the query.
    const raw = await influxql(small, `SELECT "usage" FROM "cpu" WHERE ${RANGE} GROUP BY "host"`);
    expect(raw.json().results[0].error).toMatch(/too many points: a series holds more than 20 points/);
    const limited = seriesOf(
      await influxql(small, `SELECT "usage" FROM "cpu" WHERE ${RANGE} GROUP BY "host" LIMIT 20`),
    );
    expect(limited[0]!.map((series) => series.values.length)).toEqual([20, 20]);
    const fewer = seriesOf(
      await influxql(small, `SELECT mean("usage") FROM "cpu" WHERE ${RANGE} GROUP BY time(10m), "host"`),
    );
    expect(fewer[0]).toHaveLength(2);
    const tooManySeries = await influxql(
      small,
      `SELECT mean("usage") FROM "cpu" WHERE ${RANGE} GROUP BY time(2m), "host"`,
    );
    expect(tooManySeries.json().results[0].error).toMatch(/more than 1 series of up to 31 points/);
  });

  it("shares the rate limit with the JSON API, and answers 429 in InfluxDB's shape", async () => {
    const limited = await fixture.gateway({
      PM_GATEWAY_RATE_LIMIT: "3",
      PM_GATEWAY_RATE_WINDOW: "1h",
      PM_GATEWAY_PROBE_INTERVAL: "1h",
    });
    const api = () => limited.inject({ method: "GET", url: "/api/v1/orgs", headers: bearer(tokens.limited) });
    expect((await api()).statusCode).toBe(200);
    expect((await api()).statusCode).toBe(200);
    expect((await influxql(limited, MEASUREMENTS, { token: tokens.limited })).statusCode).toBe(200);
    const refused = await influxql(limited, MEASUREMENTS, { token: tokens.limited });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["retry-after"]).toBeDefined();
    expect(refused.json()).toEqual({ error: expect.stringMatching(/more than 3 requests/) });
  });

  it("aborts the InfluxDB query when the caller hangs up", async () => {
    const proxy = await startHoldingProxy(fixture.a.url);
    const gateway = await fixture.gateway({
      PM_INFLUX_URLS: `a=${proxy.url}`,
      PM_GATEWAY_PROBE_INTERVAL: "1h",
    });
    const base = await gateway.listen({ port: 0, host: "127.0.0.1" });
    try {
      const caller = httpRequest(`${base}/query?${q(MEASUREMENTS)}`, { headers: bearer(tokens.busy) });
      caller.on("error", () => {});
      caller.end();
      await waitFor(() => proxy.inFlight === 1, "the query to reach InfluxDB");
      caller.destroy();
      await waitFor(() => proxy.inFlight === 0, "the gateway to abort the InfluxDB query");
    } finally {
      proxy.release();
      await proxy.close();
    }
  });

  it("fails over to the other replica", async () => {
    const gateway = await fixture.gateway({ PM_GATEWAY_PROBE_INTERVAL: "1h" });
    expect((await influxql(gateway, MEASUREMENTS)).headers["x-pm-replica"]).toBe("a");
    await fixture.a.close();
    const response = await influxql(
      gateway,
      `SELECT count("usage") FROM "cpu" WHERE ${RANGE}; ${MEASUREMENTS}`,
    );
    expect(response.headers["x-pm-replica"]).toBe("b");
    const [[count], [measurements]] = seriesOf(response);
    expect(count!.values[0]![1]).toBe(60);
    expect(measurements!.values.flat()).toEqual(["acme_disk", "acme_status", "cpu"]);
  });
});
