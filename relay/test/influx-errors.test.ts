import { InfluxV1Client } from "@platform-metrics/sdk/influx";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLines } from "../src/influx/write-lines.js";
import type { Relay } from "../src/relay.js";
import {
  countOrg,
  DB,
  points,
  publish,
  RECENT,
  readDeadLetters,
  type Servers,
  startServers,
  startTestRelay,
  until,
} from "./helpers.js";

const bothHave = (servers: Servers, org: string, count: number, measurement?: string) =>
  until(
    async () =>
      (await countOrg(servers.a, org, measurement)) === count &&
      (await countOrg(servers.b, org, measurement)) === count,
    `${count} ${org} ${measurement ?? "relay_test"} points on both replicas`,
  );

describe("relay when InfluxDB says no", () => {
  let servers: Servers;
  let relay: Relay;

  beforeAll(async () => {
    servers = await startServers();
    ({ relay } = await startTestRelay(servers, { PM_METRICS_INTERVAL: "1s" }));
  });
  afterAll(async () => {
    await relay?.stop();
    await servers?.close();
  });

  it("is ready once a replica's bootstrap has answered", async () => {
    // Not before: a relay whose replicas refuse it must never say 200 (auth.test.ts).
    const readyz = async () => (await fetch(`http://127.0.0.1:${relay.healthPort}/readyz`)).status;
    await until(async () => (await readyz()) === 200, "/readyz 200");
    expect(relay.pipelines.some((pipeline) => pipeline.stats.writable)).toBe(true);
  });

  it("dead-letters exactly the points beyond the retention policy, per replica, and writes the rest", async () => {
    const old = RECENT - 10n * 24n * 3_600_000_000_000n;
    await publish(servers.nats.url, [
      {
        subject: "metrics.hooli.old",
        payload: [
          `relay_test,host=a v=1i ${RECENT}`,
          `relay_test,host=b v=2i ${old}`,
          `relay_test,host=c v=3i ${RECENT + 1n}`,
        ].join("\n"),
        id: "retention-1",
      },
    ]);
    await bothHave(servers, "hooli", 2);
    const letters = async () =>
      (await readDeadLetters(servers.nats.url)).filter((d) => d.subject === "deadletter.metrics.hooli.old");
    await until(async () => (await letters()).length === 2, "a dead letter per replica");
    for (const letter of await letters()) {
      expect(letter.data).toBe(`relay_test,host=b,org=hooli v=2i ${old}`);
      expect(letter.reason).toMatch(/beyond retention/);
    }
    expect((await letters()).map((d) => d.replica).sort()).toEqual(["a", "b"]);
  });

  it("creates a dropped database again and writes into it, without looping", async () => {
    await servers.b.query(`DROP DATABASE "${DB}"`);
    await publish(servers.nats.url, points("vandelay", "drop", 3000, 1000));
    await bothHave(servers, "vandelay", 3000);
    // Made with its policy at once: no "autogen" policy, where a write landing while the database
    // had no other went (and was lost to queries of the default policy).
    const policies = await servers.b.query(`SHOW RETENTION POLICIES ON "${DB}"`);
    expect(policies.results[0]!.series![0]!.values.map((row) => row[0])).toEqual(["raw"]);
  });

  it("restores a dropped default retention policy and writes into it", async () => {
    await servers.a.query(`DROP RETENTION POLICY "raw" ON "${DB}"`);
    // InfluxDB 1.6.7 now answers 500 "retention policy not found: raw" to every write.
    await publish(servers.nats.url, points("wonka", "rp", 3000, 1000));
    await bothHave(servers, "wonka", 3000);
    const policies = await servers.a.query(`SHOW RETENTION POLICIES ON "${DB}"`);
    const columns = policies.results[0]!.series![0]!.columns;
    const raw = policies.results[0]!.series![0]!.values.find((row) => row[0] === "raw");
    expect(raw?.[columns.indexOf("default")]).toBe(true);
  });

  it("pauses a replica that is down instead of spinning on it, while the other keeps up", async () => {
    const b = relay.pipelines.find((p) => p.stats.replica === "b")!;
    await servers.b.stop();
    try {
      const initial = b.stats.errors;
      await publish(servers.nats.url, points("pied", "pause", 10_000, 500));
      await until(async () => (await countOrg(servers.a, "pied")) === 10_000, "replica a to take everything");
      // 20 messages, two writes in flight: without a pause every message would fail again at once.
      // With it, the backoff (250 ms doubling) is at its cap of 1 s here after three failures, and
      // each pause is at least half of it (jitter); a pause lets at most two writes through, so six
      // more failures take two pauses, 1 s at least. (A loaded machine only makes that longer.)
      await until(() => b.stats.errors - initial >= 3, "three failed writes to b");
      const before = b.stats.errors;
      const since = performance.now();
      await until(() => b.stats.errors - before >= 6, "six more failed writes to b");
      expect(performance.now() - since).toBeGreaterThanOrEqual(500);
      expect(b.stats.writable).toBe(false);
    } finally {
      await servers.b.start();
    }
    await bothHave(servers, "pied", 10_000);
  });

  it("publishes pm_relay for each replica through the stream: lag, points written, errors", async () => {
    const has = async (influx: Servers["a"], replica: string) =>
      (await influx
        .query(
          `SELECT last("points_written"), last("messages_pending"), last("seconds_behind"), last("errors"), last("write_seconds") FROM "pm_relay" WHERE "replica" = '${replica}' AND "org" = 'platform'`,
          { db: DB },
        )
        .catch(() => undefined)) ?? undefined;
    await until(async () => {
      for (const influx of [servers.a, servers.b])
        for (const replica of ["a", "b"]) {
          const row = (await has(influx, replica))?.results[0]?.series?.[0]?.values[0];
          if (!row || typeof row[1] !== "number" || (row[1] as number) <= 0) return false;
        }
      return true;
    }, "pm_relay points of both replicas on both replicas");
  });
});

describe("writeLines against a real influxd", () => {
  let servers: Servers;
  beforeAll(async () => {
    servers = await startServers();
    await servers.a.createDatabase(DB);
  });
  afterAll(() => servers?.close());

  it("splits a body above InfluxDB's max-body-size (25 MB) and writes both halves", async () => {
    const client = new InfluxV1Client(
      { name: "a", url: servers.a.url },
      { db: DB, timeoutMs: 60_000, gzip: false },
    );
    const pad = "x".repeat(250);
    const lines = Array.from(
      { length: 100_000 },
      (_, i) => `relay_big,org=big,host=h${i % 10} v=${i}i,s="${pad}" ${RECENT + BigInt(i)}`,
    );
    expect(lines.join("\n").length).toBeGreaterThan(25 * 1024 * 1024);
    try {
      const outcome = await writeLines(client, lines);
      expect(outcome).toEqual({ kind: "stored", refused: [] });
      expect(await countOrg(servers.a, "big", "relay_big")).toBe(100_000);
    } finally {
      await client.close();
    }
  }, 120_000);
});
