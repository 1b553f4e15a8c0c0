import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { loadRelayConfig, type Relay, startRelay } from "@platform-metrics/relay";
import { silentLogger } from "@platform-metrics/sdk/service";
import { type Influx, type NatsServer, startInflux, startNats } from "@platform-metrics/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, startGateway, tokens, tokensYaml } from "./helpers/fixture.js";
import { waitFor } from "./helpers/wait.js";

// Issue 21, finding 1: a tenant publishes points with a *field* named org on its own subject. InfluxQL
// reads `"org" = 'acme'` as that field wherever it exists in the measurement, so the org scoping of
// every other org's reads came undone. Here the whole path is real: NATS, the relay, two influxd and
// the gateway.

const DB = "platform_metrics";
const NOW_NS = BigInt(Math.floor(Date.now() / 60_000) * 60_000 - 60_000) * 1_000_000n;
const ATTACK = [
  `k8s_node,host=x org="acme",cpu=2.5 ${NOW_NS}`,
  `k8s_node,host=x2 org="globex",cpu=2.5 ${NOW_NS}`,
];

let nats: NatsServer;
let a: Influx;
let b: Influx;
let relay: Relay;
let app: FastifyInstance;
let dir: string;

async function publish(subject: string, lines: string[]): Promise<void> {
  const nc = await connect({ servers: nats.url });
  try {
    await jetstream(nc).publish(subject, lines.join("\n"));
  } finally {
    await nc.close();
  }
}

/** Points of k8s_node with the org tag `org`, on both replicas. */
async function landed(org: string): Promise<number[]> {
  return Promise.all(
    [a, b].map((influx) => influx.countPoints(DB, "k8s_node", { where: `"org"::tag = '${org}'` })),
  );
}

beforeAll(async () => {
  [nats, a, b] = await Promise.all([startNats(), startInflux(), startInflux()]);
  const config = loadRelayConfig({
    env: {
      PM_NATS_URL: nats.url,
      PM_INFLUX_URLS: `a=${a.url},b=${b.url}`,
      PM_HTTP_PORT: "0",
      PM_BATCH_MAX_DELAY: "50ms",
      PM_LOG_LEVEL: "warn",
    },
  });
  relay = await startRelay(config, silentLogger);
  dir = await mkdtemp(join(tmpdir(), "pm-gw-org-"));
  await writeFile(join(dir, "tokens.yaml"), tokensYaml());
  app = await startGateway(`a=${a.url},b=${b.url}`, DB, join(dir, "tokens.yaml"));

  // Two points a minute apart: a rate of 1 per minute between them.
  await publish("metrics.acme.k8s", [
    `k8s_node,host=a-node cpu=0.5 ${NOW_NS - 60_000_000_000n}`,
    `k8s_node,host=a-node cpu=1.5 ${NOW_NS}`,
  ]);
  await publish("metrics.globex.k8s", [
    `k8s_node,host=g_secret_host,g_secret_tag=g_secret_value cpu=31337.5 ${NOW_NS}`,
  ]);
  // The attack, and a good line after it in the same message: once that has landed, the relay has
  // dealt with the whole message.
  await publish("metrics.evil.k8s", [...ATTACK, `k8s_node,host=evil-node cpu=3.5 ${NOW_NS}`]);
  for (const org of ["acme", "globex", "evil"]) {
    const count = org === "acme" ? 2 : 1;
    await waitFor(async () => (await landed(org)).every((n) => n >= count), `${org}'s points`);
  }
});

afterAll(async () => {
  await app?.close();
  await relay?.stop();
  await Promise.all([nats?.close(), a?.close(), b?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const get = (url: string, token: string) => app.inject({ method: "GET", url, headers: bearer(token) });
const query = (body: object, token: string) =>
  app.inject({ method: "POST", url: "/api/v1/query", headers: bearer(token), payload: body });

/** What acme and globex read through every route is their own points, and only those. */
async function expectEachOrgReadsItsOwn() {
  const acme = {
    measurements: await get("/api/v1/measurements", tokens.acme),
    tags: await get("/api/v1/measurements/k8s_node/tags", tokens.acme),
    hosts: await get("/api/v1/measurements/k8s_node/tags/host/values", tokens.acme),
    orgs: await get("/api/v1/measurements/k8s_node/tags/org/values", tokens.acme),
    fields: await get("/api/v1/measurements/k8s_node/fields", tokens.acme),
    raw: await query({ measurement: "k8s_node", fields: ["cpu"], range: { from: "-1h" } }, tokens.acme),
    max: await query(
      { measurement: "k8s_node", fields: ["cpu"], aggregate: "max", range: { from: "-1h" } },
      tokens.acme,
    ),
    // The attack's org="acme" point (2.5, at the newer minute) would make it (2.5 - 0.5) / 60.
    rate: await query(
      { measurement: "k8s_node", fields: ["cpu"], aggregate: "rate", every: "1m", range: { from: "-1h" } },
      tokens.acme,
    ),
    byHost: await query(
      { measurement: "k8s_node", fields: ["cpu"], groupBy: ["host", "org"], range: { from: "-1h" } },
      tokens.acme,
    ),
  };
  for (const [route, response] of Object.entries(acme)) {
    expect(response.statusCode, route).toBe(200);
    for (const marker of ["globex", "g_secret", "31337.5", "evil", '"x"', "2.5"]) {
      expect(response.body, `${route} leaks ${marker}`).not.toContain(marker);
    }
  }
  expect(acme.measurements.json().measurements).toEqual(["k8s_node"]);
  expect(acme.tags.json().tags).toEqual(["host", "org"]);
  expect(acme.hosts.json().values).toEqual(["a-node"]);
  expect(acme.orgs.json().values).toEqual(["acme"]);
  expect(acme.fields.json().fields).toEqual([{ name: "cpu", type: "float" }]);
  expect(acme.raw.json().series.map((s: { values: unknown[][] }) => s.values.map((row) => row[1]))).toEqual([
    [0.5, 1.5],
  ]);
  const rates = acme.rate.json().series.map((s: { values: number[][] }) => s.values.map((row) => row[1]));
  expect(rates).toHaveLength(1);
  expect(rates[0]).toHaveLength(1);
  expect(rates[0][0]).toBeCloseTo(1 / 60, 10);
  expect(acme.max.json().series[0].values[0][1]).toBe(1.5);
  expect(acme.byHost.json().series.map((s: { tags: object }) => s.tags)).toEqual([
    { host: "a-node", org: "acme" },
  ]);

  // And the points that said org="globex" are not shown to globex as its own.
  const globex = await query(
    { measurement: "k8s_node", fields: ["cpu"], groupBy: ["host"], range: { from: "-1h" } },
    tokens.globex,
  );
  expect(
    globex
      .json()
      .series.map((s: { tags: { host: string }; values: unknown[][] }) => [
        s.tags.host,
        s.values.map((row) => row[1]),
      ]),
  ).toEqual([["g_secret_host", [31337.5]]]);
  expect((await get("/api/v1/measurements/k8s_node/tags/host/values", tokens.globex)).json().values).toEqual([
    "g_secret_host",
  ]);
}

describe("a tenant that writes a field named org", () => {
  it("has those lines refused by the relay, so no replica holds a field named org", async () => {
    for (const influx of [a, b]) {
      const keys = await influx.query('SHOW FIELD KEYS FROM "k8s_node"', { db: DB });
      expect(keys.results[0]!.series![0]!.values.map((row) => row[0])).toEqual(["cpu"]);
    }
    await expectEachOrgReadsItsOwn();
  });

  it("changes nothing another org reads through any gateway route, even where such points are stored", async () => {
    // As if written before the relay refused them (or by anything else with write access).
    const stored = ATTACK.map((line) => line.replace("k8s_node,", "k8s_node,org=evil,"));
    await Promise.all([a, b].map((influx) => influx.write(DB, stored)));
    for (const influx of [a, b]) {
      const keys = await influx.query('SHOW FIELD KEYS FROM "k8s_node"', { db: DB });
      expect(keys.results[0]!.series![0]!.values.map((row) => row[0])).toContain("org");
    }
    await expectEachOrgReadsItsOwn();
  });
});
