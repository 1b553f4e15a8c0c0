import { execFile } from "node:child_process";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { findBinary } from "@platform-metrics/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB, type Fixture, GLOBEX_MARKERS, startFixture, tokens } from "./helpers/fixture.js";

// The real `influx` CLI (Debian's influxdb-client, InfluxDB 1.6) through the gateway: the gateway
// token as its password.

const run = promisify(execFile);
let fixture: Fixture;
let app: FastifyInstance;
let port: number;
let influx: string;

beforeAll(async () => {
  influx = findBinary("influx");
  fixture = await startFixture();
  app = await fixture.gateway({ PM_GATEWAY_PROBE_INTERVAL: "1h" });
  await app.listen({ host: "127.0.0.1", port: 0 });
  port = (app.server.address() as AddressInfo).port;
});
afterAll(() => fixture?.close());

async function cli(args: string[], token = tokens.acme) {
  const base = ["-host", "127.0.0.1", "-port", String(port), "-username", "grafana", "-password", token];
  return run(influx, [...base, ...args], {
    timeout: 60_000,
    env: { ...process.env, HOME: fixture.dir },
  }).catch((error: { stdout: string; stderr: string; code: number }) => error);
}

function expectNoGlobex(text: string) {
  for (const marker of GLOBEX_MARKERS) expect(text).not.toContain(marker);
}

describe("the influx CLI through the gateway", () => {
  it("lists acme's measurements only", async () => {
    const { stdout, stderr } = await cli([
      "-database",
      DB,
      "-execute",
      "SHOW MEASUREMENTS",
      "-format",
      "json",
    ]);
    expect(stderr).toBe("");
    expect(JSON.parse(stdout)).toEqual({
      results: [
        {
          series: [
            { name: "measurements", columns: ["name"], values: [["acme_disk"], ["acme_status"], ["cpu"]] },
          ],
        },
      ],
    });
  });

  it("runs a SELECT and sees acme's points only", async () => {
    const { stdout, stderr } = await cli([
      "-database",
      DB,
      "-precision",
      "s",
      "-execute",
      `SELECT * FROM "cpu" WHERE time >= now() - 1h GROUP BY "host"`,
      "-format",
      "csv",
    ]);
    expect(stderr).toBe("");
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toBe("name,tags,time,idle,org,usage");
    // A header line for each series, then its points.
    expect(lines.filter((line) => line.startsWith("name,"))).toHaveLength(2);
    expect(lines.filter((line) => line.startsWith("cpu,host=a-1,"))).toHaveLength(30);
    expect(lines.filter((line) => line.startsWith("cpu,host=a-2,"))).toHaveLength(30);
    expectNoGlobex(stdout);
  });

  it("runs statements the way its USE and SHOW commands send them", async () => {
    const { stdout } = await cli(["-execute", "SHOW DATABASES", "-format", "csv"]);
    expect(stdout.trim().split("\n")).toEqual(["name,name", `databases,${DB}`, "databases,acme"]);
    const { stdout: tags } = await cli([
      "-database",
      "acme",
      "-execute",
      `SHOW TAG VALUES WITH KEY = "org"`,
      "-format",
      "csv",
    ]);
    expect(tags).toContain("org,acme");
    expectNoGlobex(tags);
  });

  it("is refused with a wrong token and shows the gateway's reason for a refused statement", async () => {
    const wrong = await cli(["-database", DB, "-execute", "SHOW MEASUREMENTS"], "not-a-token");
    expect(`${wrong.stdout}${wrong.stderr}`).toMatch(/token is not valid/);
    const drop = await cli(["-database", DB, "-execute", `DROP MEASUREMENT "cpu"`]);
    expect(`${drop.stdout}${drop.stderr}`).toMatch(/DROP statements are not allowed/);
  });
});
