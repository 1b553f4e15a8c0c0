import { waitFor } from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  countOrg,
  DB,
  points,
  publish,
  relayEnv,
  type Servers,
  spawnRelay,
  startServers,
  until,
} from "./helpers.js";

describe("relay with InfluxDB auth", () => {
  let servers: Servers;
  beforeAll(async () => {
    servers = await startServers({ auth: true });
    for (const influx of [servers.a, servers.b]) {
      await influx.query(`CREATE DATABASE "${DB}"`);
      await influx.query(`CREATE USER "writer" WITH PASSWORD 'write-only'`);
      await influx.query(`GRANT WRITE ON "${DB}" TO "writer"`);
    }
  });
  afterAll(() => servers?.close());

  it("writes with a write-only user, going on when it may not create the database itself", async () => {
    const relay = spawnRelay(
      relayEnv(servers, {
        PM_INFLUX_USERNAME: "writer",
        PM_INFLUX_PASSWORD: "write-only",
        PM_LOG_LEVEL: "info",
      }),
    );
    try {
      await publish(servers.nats.url, points("acme", "auth", 5000, 1000));
      await until(
        async () =>
          (await countOrg(servers.a, "acme")) === 5000 && (await countOrg(servers.b, "acme")) === 5000,
        "points on both replicas",
      );
      expect(relay.output()).toMatch(/cannot create the database or retention policy with these credentials/);
    } finally {
      relay.child.kill("SIGTERM");
      expect(await relay.exited).toBe(0);
    }
  });

  it("with wrong credentials says so clearly, is not ready, and writes nothing", async () => {
    const relay = spawnRelay(
      relayEnv(servers, { PM_INFLUX_USERNAME: "writer", PM_INFLUX_PASSWORD: "wrong", PM_LOG_LEVEL: "info" }),
    );
    try {
      await publish(servers.nats.url, points("globex", "auth", 100, 100));
      // /readyz is asked all along, from the moment the port is known until both replicas' refusal
      // is logged: it must never have said ready (it did while one replica was not yet asked).
      const refused = (replica: string) =>
        relay
          .output()
          .split("\n")
          .some(
            (line) =>
              line.includes(`"replica":"${replica}"`) && line.includes("refuses the relay's credentials"),
          );
      const statuses = new Set<number>();
      await waitFor(
        "both replicas' refusal logged",
        async () => {
          const port = /"httpPort":(\d+)/.exec(relay.output())?.[1];
          if (port) statuses.add((await fetch(`http://127.0.0.1:${port}/readyz`)).status);
          return refused("a") && refused("b");
        },
        { timeoutMs: 120_000, everyMs: 5 },
      );
      expect(relay.output()).not.toContain("wrong");
      const port = /"httpPort":(\d+)/.exec(relay.output())![1];
      statuses.add((await fetch(`http://127.0.0.1:${port}/readyz`)).status);
      expect([...statuses]).toEqual([503]);
      expect(await countOrg(servers.a, "globex")).toBe(0);
    } finally {
      relay.child.kill("SIGTERM");
      expect(await relay.exited).toBe(0);
    }
  });
});
