import { writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { freePort, type Influx } from "@platform-metrics/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../src/cli/token-create.js";
import {
  bearer,
  DB,
  type Fixture,
  startFixture,
  startGateway,
  tokens,
  tokensYaml,
} from "./helpers/fixture.js";
import { waitFor } from "./helpers/wait.js";

let fixture: Fixture;
let app: FastifyInstance;

beforeAll(async () => {
  fixture = await startFixture();
  app = await fixture.gateway({ PM_GATEWAY_QUERY_TIMEOUT: "2s" });
});
afterAll(() => fixture?.close());

const body = { measurement: "cpu", fields: ["usage"], aggregate: "count", range: { from: "-1h" } };
const query = () =>
  app.inject({ method: "POST", url: "/api/v1/query", headers: bearer(tokens.acme), payload: body });

describe("replica failover", () => {
  it("is served by a, by b while a is down, 503 with both down, and by a again once it is back", async () => {
    const first = await query();
    expect(first.statusCode).toBe(200);
    expect(first.headers["x-pm-replica"]).toBe("a");
    expect(first.json().meta.replica).toBe("a");
    expect(first.json().series[0].values[0][1]).toBe(60);

    await fixture.a.stop();
    const fromB = await query();
    expect(fromB.statusCode).toBe(200);
    expect(fromB.headers["x-pm-replica"]).toBe("b");
    expect(fromB.json().series[0].values[0][1]).toBe(60);
    const discovery = await app.inject({
      method: "GET",
      url: "/api/v1/measurements",
      headers: bearer(tokens.acme),
    });
    expect(discovery.headers["x-pm-replica"]).toBe("b");

    await fixture.b.stop();
    const none = await query();
    expect(none.statusCode).toBe(503);
    expect(none.json().error).toEqual({
      code: "replicas_unavailable",
      message: "no InfluxDB replica answered; try again shortly",
    });
    await waitFor(
      async () => (await app.inject({ method: "GET", url: "/readyz" })).statusCode === 503,
      "readyz 503",
    );

    // Anyone may ask /readyz: it says ready or not, and names no replica.
    expect((await app.inject({ method: "GET", url: "/readyz" })).json()).toEqual({ status: "unavailable" });
    await fixture.a.start();
    await waitFor(async () => (await query()).headers["x-pm-replica"] === "a", "replica a to serve again");
    const ready = await app.inject({ method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: "ok" });
    await fixture.b.start();
  });
});

describe("readiness at start", () => {
  it("is 503 from the first moment when no replica answers, and 200 at once when one does", async () => {
    const [downA, downB] = [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`];
    const none = await startGateway(`a=${downA},b=${downB}`, DB, fixture.tokensFile, {
      PM_GATEWAY_PROBE_INTERVAL: "1h",
    });
    try {
      // Pinged once before the gateway is handed over, so it never says ready on replicas nobody asked.
      expect((await none.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(503);
      expect(none.replicaStatus().map((replica) => replica.lastError)).toEqual([
        expect.stringMatching(/^ping failed/),
        expect.stringMatching(/^ping failed/),
      ]);
    } finally {
      await none.close();
    }
    const one = await startGateway(`a=${downA},b=${fixture.b.url}`, DB, fixture.tokensFile, {
      PM_GATEWAY_PROBE_INTERVAL: "1h",
    });
    try {
      expect((await one.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
      expect(one.replicaStatus().map(({ name, healthy }) => ({ name, healthy }))).toEqual([
        { name: "a", healthy: false },
        { name: "b", healthy: true },
      ]);
    } finally {
      await one.close();
    }
  });
});

describe("a caller's own bad input", () => {
  it("is a 400 for a lone surrogate in any string, and never counts against a replica", async () => {
    const gateway = await fixture.gateway({ PM_GATEWAY_PROBE_INTERVAL: "1h" });
    const base = { measurement: "cpu", fields: ["usage"], range: { from: "-1h" } };
    const bodies = [
      { ...base, measurement: "cpu\ud800" },
      { ...base, fields: ["usage", "\udc00"] },
      { ...base, where: { host: "a-1\ud800" } },
      { ...base, where: { "h\ud800": "a-1" } },
      { ...base, groupBy: ["\ud800"] },
      { ...base, range: { from: "-1h\ud800" } },
      { ...base, org: "acme\ud800" },
    ];
    for (let round = 0; round < 3; round++) {
      for (const payload of bodies) {
        const response = await gateway.inject({
          method: "POST",
          url: "/api/v1/query",
          headers: bearer(tokens.acme),
          payload,
        });
        expect(response.statusCode, JSON.stringify(payload)).toBe(400);
        expect(response.json().error.message).toMatch(/lone UTF-16 surrogates/);
      }
    }
    for (const url of ["/api/v1/measurements/cpu%ED%A0%80/tags", "/api/v1/measurements?org=%ED%A0%80"]) {
      const response = await gateway.inject({ method: "GET", url, headers: bearer(tokens.acme) });
      expect(response.statusCode, url).toBe(400);
    }
    expect(gateway.replicaStatus().map((replica) => replica.healthy)).toEqual([true, true]);
    expect((await gateway.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
  });
});

/** Queries an influxd has been sent so far, from its own counters (pings are not counted). */
async function queriesReceived(influx: Influx): Promise<number> {
  const vars = (await (await fetch(`${influx.url}/debug/vars`)).json()) as Record<
    string,
    { name?: string; values?: { queryReq?: number } }
  >;
  const httpd = Object.values(vars).find((value) => value?.name === "httpd");
  if (typeof httpd?.values?.queryReq !== "number")
    throw new Error("influxd /debug/vars has no httpd.queryReq");
  return httpd.values.queryReq;
}

describe("a hung replica", () => {
  it("is skipped while its ping fails, and taken back by the background ping alone", async () => {
    const gateway = await fixture.gateway({ PM_GATEWAY_QUERY_TIMEOUT: "2s" });
    const healthOfA = async () => gateway.replicaStatus().find((replica) => replica.name === "a")!.healthy;
    const ask = () =>
      gateway.inject({ method: "POST", url: "/api/v1/query", headers: bearer(tokens.acme), payload: body });
    expect((await ask()).headers["x-pm-replica"]).toBe("a");
    const sentToA = await queriesReceived(fixture.a);

    await fixture.a.pause();
    try {
      await waitFor(async () => !(await healthOfA()), "the ping to mark a failing");
      for (let i = 0; i < 3; i++) {
        const answer = await ask();
        expect(answer.statusCode).toBe(200);
        expect(answer.headers["x-pm-replica"]).toBe("b");
      }
    } finally {
      await fixture.a.resume();
    }
    // No query goes to a to find out that it is back: the ping alone brings it back.
    await waitFor(healthOfA, "the ping to mark a healthy again");
    expect(await queriesReceived(fixture.a)).toBe(sentToA);
    expect((await ask()).headers["x-pm-replica"]).toBe("a");
  });

  it("has a query that times out on it retried once on the other replica, as its ping fails too", async () => {
    // Pinged only at start, so the query itself is what finds a hung.
    const gateway = await fixture.gateway({
      PM_GATEWAY_QUERY_TIMEOUT: "300ms",
      PM_GATEWAY_PROBE_INTERVAL: "1h",
    });
    const ask = () =>
      gateway.inject({ method: "POST", url: "/api/v1/query", headers: bearer(tokens.acme), payload: body });
    expect((await ask()).headers["x-pm-replica"]).toBe("a");
    await fixture.a.pause();
    try {
      const answer = await ask();
      expect(answer.statusCode).toBe(200);
      expect(answer.headers["x-pm-replica"]).toBe("b");
      expect(answer.json().series[0].values[0][1]).toBe(60);
      expect(gateway.replicaStatus().map(({ name, healthy }) => ({ name, healthy }))).toEqual([
        { name: "a", healthy: false },
        { name: "b", healthy: true },
      ]);
      expect(gateway.replicaStatus()[0]!.lastError).toMatch(/no answer within 300 ms, and ping failed/);
    } finally {
      await fixture.a.resume();
    }
  });
});

describe("tokens file reload in a running gateway", () => {
  it("accepts a token added to the file and refuses one removed from it", async () => {
    const added = createToken({ id: "added-later", orgs: ["acme"] });
    const orgs = (token: string) =>
      app.inject({ method: "GET", url: "/api/v1/orgs", headers: bearer(token) });
    expect((await orgs(added.token)).statusCode).toBe(401);

    await writeFile(fixture.tokensFile, `${tokensYaml()}  - ${JSON.stringify(added.entry)}\n`);
    await waitFor(async () => (await orgs(added.token)).statusCode === 200, "the added token to be accepted");

    await writeFile(fixture.tokensFile, "tokens: [ this is not valid");
    await waitFor(
      () => fixture.logs.some((line) => /is not valid YAML.*keeping the last good set/.test(line)),
      "the gateway to read the invalid file",
    );
    expect((await orgs(added.token)).statusCode).toBe(200);

    await writeFile(fixture.tokensFile, tokensYaml());
    await waitFor(
      async () => (await orgs(added.token)).statusCode === 401,
      "the removed token to be refused",
    );
    expect((await orgs(tokens.acme)).statusCode).toBe(200);
  });
});

/**
 * A replica that answers its ping but not a query: each query gets `answer` (raw bytes, sent as they
 * are, then the connection closes), as influxd does when a query makes it echo a control character
 * into a header. Counts the queries it was sent.
 */
async function replicaFailingQueries(answer: string) {
  let queries = 0;
  const server = createServer((socket) => {
    socket.once("data", (request) => {
      const ping = /^(GET|HEAD) \/ping[ ?]/.test(request.toString("latin1"));
      if (!ping) queries++;
      socket.end(ping ? "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" : answer);
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    queries: () => queries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("a replica that answers its ping but not one query", () => {
  const notHttp = "HTTP/1.1 400 Bad Request\r\nX-Influxdb-Error: bad\u0001text\r\nContent-Length: 0\r\n\r\n";
  const serverError =
    "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nConnection: close\r\n\r\noops\n";

  /** A gateway over `replicas`, pinged only at start (so queries alone could mark one), once ready. */
  async function readyGateway(replicas: string): Promise<FastifyInstance> {
    const gateway = await startGateway(replicas, DB, fixture.tokensFile, { PM_GATEWAY_PROBE_INTERVAL: "1h" });
    const readyz = async () => (await gateway.inject({ method: "GET", url: "/readyz" })).statusCode;
    await waitFor(async () => (await readyz()) === 200, "the gateway to be ready");
    return gateway;
  }
  const ask = (gateway: FastifyInstance) =>
    gateway.inject({ method: "POST", url: "/api/v1/query", headers: bearer(tokens.acme), payload: body });

  it("is not marked failing for it: the other replica answers, and /readyz stays 200", async () => {
    for (const answer of [notHttp, serverError]) {
      const broken = await replicaFailingQueries(answer);
      const gateway = await readyGateway(`a=${broken.url},b=${fixture.b.url}`).catch(async (error) => {
        await broken.close();
        throw error;
      });
      try {
        const response = await ask(gateway);
        expect(response.statusCode).toBe(200);
        expect(response.headers["x-pm-replica"]).toBe("b");
        expect(response.json().series[0].values[0][1]).toBe(60);
        expect(broken.queries()).toBe(1);
        expect(gateway.replicaStatus().map(({ name, healthy }) => ({ name, healthy }))).toEqual([
          { name: "a", healthy: true },
          { name: "b", healthy: true },
        ]);
        expect((await gateway.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
      } finally {
        await gateway.close();
        await broken.close();
      }
    }
  });

  it("is a 502 when no replica can answer it, and neither is marked failing", async () => {
    const [a, b] = await Promise.all([replicaFailingQueries(notHttp), replicaFailingQueries(serverError)]);
    try {
      const gateway = await readyGateway(`a=${a.url},b=${b.url}`);
      try {
        const response = await ask(gateway);
        expect(response.statusCode).toBe(502);
        expect(response.json().error.code).toBe("replica_error");
        expect([a.queries(), b.queries()]).toEqual([1, 1]);
        expect(gateway.replicaStatus().every((replica) => replica.healthy)).toBe(true);
        expect((await gateway.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
      } finally {
        await gateway.close();
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
