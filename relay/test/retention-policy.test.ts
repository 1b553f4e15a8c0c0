import type { Influx } from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRelayConfig } from "../src/config.js";
import type { Relay } from "../src/relay.js";
import {
  DB,
  points,
  publish,
  relayEnv,
  type Servers,
  startServers,
  startTestRelay,
  until,
} from "./helpers.js";

/** Points of `org` in retention policy `rp`, asked for by name (not through the default policy). */
async function countIn(influx: Influx, rp: string, org: string): Promise<number> {
  try {
    const result = await influx.query(
      `SELECT count("v") FROM "${DB}"."${rp}"."relay_test" WHERE "org" = '${org}'`,
    );
    return Number(result.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
  } catch (error) {
    // Until the relay's bootstrap has run, neither the database nor the policy exists.
    if (/database not found|retention policy not found/.test((error as Error).message)) return 0;
    throw error;
  }
}

/** Waits until both replicas hold `count` points of `org` in policy `rp`. */
async function bothHaveIn(servers: Servers, rp: string, org: string, count: number): Promise<void> {
  await until(
    async () =>
      (await countIn(servers.a, rp, org)) === count && (await countIn(servers.b, rp, org)) === count,
    `${count} ${org} points in policy ${rp} on both replicas`,
  );
}

describe("PM_INFLUX_RP", () => {
  let servers: Servers;
  let relay: Relay;

  beforeAll(async () => {
    servers = await startServers();
    ({ relay } = await startTestRelay(servers, { PM_INFLUX_RP: "short", PM_RETENTION: "24h" }));
  });
  afterAll(async () => {
    await relay?.stop();
    await servers?.close();
  });

  it("names the policy in every write, and the bootstrap creates it as the default", async () => {
    await publish(servers.nats.url, points("acme", "rp", 2000, 500));
    await bothHaveIn(servers, "short", "acme", 2000);
    const policies = await servers.a.query(`SHOW RETENTION POLICIES ON "${DB}"`);
    const { columns, values } = policies.results[0]!.series![0]!;
    const short = values.find((row) => row[0] === "short");
    expect(short?.[columns.indexOf("duration")]).toBe("24h0m0s");
    expect(short?.[columns.indexOf("default")]).toBe(true);

    // Another default, made by an operator: the writes still go where they name.
    for (const influx of [servers.a, servers.b])
      await influx.query(`CREATE RETENTION POLICY "other" ON "${DB}" DURATION 48h REPLICATION 1 DEFAULT`);
    await publish(servers.nats.url, points("globex", "rp", 1000, 500));
    await bothHaveIn(servers, "short", "globex", 1000);
    expect(await countIn(servers.a, "other", "globex")).toBe(0);
  });

  it("refuses a name InfluxQL would need quoting tricks for", () => {
    expect(() => loadRelayConfig({ env: relayEnv(servers, { PM_INFLUX_RP: 'raw"; DROP' }) })).toThrow(
      /PM_INFLUX_RP: expected a retention policy name of letters, digits, _ and -/,
    );
  });
});
