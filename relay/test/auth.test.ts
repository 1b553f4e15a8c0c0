import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countOrg, DB, points, publish, relayEnv, type Servers, startServers, until } from "./helpers.js";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

function startRelayProcess(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
  const child = spawn(process.execPath, [BIN], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output, exited: new Promise((resolve) => child.on("exit", resolve)) };
}

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
    const relay = startRelayProcess(
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
    const relay = startRelayProcess(
      relayEnv(servers, { PM_INFLUX_USERNAME: "writer", PM_INFLUX_PASSWORD: "wrong", PM_LOG_LEVEL: "info" }),
    );
    try {
      await publish(servers.nats.url, points("globex", "auth", 100, 100));
      await until(
        () => /replica refuses the relay's credentials or permissions/.test(relay.output()),
        "the error",
      );
      expect(relay.output()).not.toContain("wrong");
      const port = /"httpPort":(\d+)/.exec(relay.output())![1];
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(503);
      expect(await countOrg(servers.a, "globex")).toBe(0);
    } finally {
      relay.child.kill("SIGTERM");
      expect(await relay.exited).toBe(0);
    }
  });
});
