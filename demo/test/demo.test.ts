/// <reference lib="dom" />
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COLLECTORS, SIMULATED_CLUSTER } from "../src/collectors.js";
import { DEMO_ORG } from "../src/stack.js";
import type { StackFile } from "../src/stack-file.js";
import {
  alive,
  type DemoProcess,
  type Gateway,
  gatewayClient,
  processesMentioning,
  spawnDemo,
  waitFor,
} from "./helpers.js";

// The whole demo, started as `npm run demo` starts it (its bin, after the build), checked as a user
// sees it: through the gateway with the demo token, and in a real browser. One stack for the file.

const GATEWAY_LINE = /^Gateway: (http:\/\/127\.0\.0\.1:\d+) {2}token: (pmg_\S+)$/m;
const CHROMIUM = "/usr/bin/chromium";

let dir: string;
let demo: DemoProcess;
let gateway: Gateway;
let gatewayUrl: string;
let token: string;
let stack: StackFile;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pm-demo-test-"));
  demo = spawnDemo(dir);
  let code: number | null | undefined;
  void demo.exited.then((c) => (code = c));
  const [, url, secret] = await waitFor("the demo's Gateway line", () => {
    if (code !== undefined) throw new Error(`the demo exited with ${code}:\n${demo.output()}`);
    return GATEWAY_LINE.exec(demo.output()) ?? undefined;
  });
  gatewayUrl = url!;
  token = secret!;
  gateway = gatewayClient(gatewayUrl, token);
  stack = JSON.parse(readFileSync(join(dir, "stack.json"), "utf8")) as StackFile;
}, 240_000);

afterAll(async () => {
  // Only after a failed test: the last test stops the demo itself.
  if (demo?.child.exitCode === null) {
    process.kill(-demo.child.pid!, "SIGKILL");
    for (const pid of stack?.services.flatMap((s) => (s.pid ? [s.pid] : [])) ?? []) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const pidOf = (name: string) => stack.services.find((s) => s.name === name)!.pid!;

/** One numeric field the org has points of, per measurement of `source` that has any. */
async function numericFieldsOf(
  source: string,
  client = gateway,
): Promise<{ measurement: string; field: string }[]> {
  const { body: catalogue } = await client.get("/api/v1/catalogue");
  const declared: string[] = catalogue.sources
    .find((s: { name: string }) => s.name === source)
    .measurements.map((m: { name: string }) => m.name);
  const { body } = await client.get(`/api/v1/measurements?org=${DEMO_ORG}`);
  const present = declared.filter((m) => body.measurements.includes(m));
  const found: { measurement: string; field: string }[] = [];
  for (const measurement of present) {
    const { body: fields } = await client.get(`/api/v1/measurements/${measurement}/fields`);
    const field = fields.fields?.find((f: { type: string }) => f.type === "float" || f.type === "integer");
    if (field) found.push({ measurement, field: field.name });
  }
  return found;
}

/** Points of `source` from the last 15 minutes, through the gateway; undefined while there are none. */
async function recentPoints(source: string, simulated: boolean) {
  for (const { measurement, field } of await numericFieldsOf(source)) {
    const where = { source, ...(simulated ? { cluster: SIMULATED_CLUSTER } : {}) };
    const answer = await gateway.query({
      measurement,
      fields: [field],
      where,
      range: { from: "-15m" },
      limit: 5,
    });
    if (answer.status === 200 && answer.body.series.length > 0) return { measurement, answer };
  }
  return undefined;
}

describe("npm run demo", () => {
  it("says for each service whether it got ready and how long it took, then one Gateway line", () => {
    const output = demo.output();
    for (const name of [
      "nats-server",
      "influxdb-a",
      "influxdb-b",
      "relay",
      "gateway",
      ...COLLECTORS.map((c) => c.name),
    ])
      expect(output, output).toMatch(new RegExp(`^  ${name} +(ready|NOT READY) +\\d+\\.\\d s`, "m"));
    for (const collector of COLLECTORS.filter((c) => c.simulated))
      expect(output).toMatch(new RegExp(`^  ${collector.name} .*simulated: `, "m"));
    expect(output.match(/^Gateway: /gm)).toHaveLength(1);
  });

  it.each(COLLECTORS.map((c) => [c.name, c] as const))(
    "%s: its points are queryable through the gateway with the demo token",
    async (name, collector) => {
      const { body: catalogue } = await gateway.get("/api/v1/catalogue");
      expect(
        catalogue.sources.map((s: { name: string }) => s.name),
        `${name} is not in the gateway's catalogue: run npm run docs`,
      ).toContain(name);
      const found = await waitFor(`points of ${name}`, () =>
        recentPoints(name, collector.simulated !== undefined),
      );
      expect(found.answer.body.series[0].values.length).toBeGreaterThan(0);
    },
  );

  it.each([
    ["relay", "pm_relay", "points_written"],
    ["gateway", "pm_gateway", "requests"],
  ])("%s: its own %s points are queryable, counting its work", async (source, measurement, field) => {
    const counted = await waitFor(`${measurement} ${field} above 0`, async () => {
      const answer = await gateway.query({
        measurement,
        fields: [field],
        aggregate: "max",
        where: { source },
        range: { from: "-15m" },
      });
      const value = answer.status === 200 ? answer.body.series[0]?.values.at(-1)?.[1] : undefined;
      return typeof value === "number" && value > 0 ? value : undefined;
    });
    expect(counted).toBeGreaterThan(0);
  });

  it("component-status finds every service of the demo up, at its health URL", async () => {
    const services = stack.services.filter((s) => s.health).map((s) => s.name);
    const up = await waitFor("component_status up=1 for every service", async () => {
      const answer = await gateway.query({
        measurement: "component_status",
        fields: ["up"],
        aggregate: "last",
        groupBy: ["target"],
        where: { source: "component-status" },
        range: { from: "-1m" },
      });
      if (answer.status !== 200) return undefined;
      const upTargets = answer.body.series
        .filter((s: { values: unknown[][] }) => s.values.some((row) => row[1] === 1))
        .map((s: { tags: { target: string } }) => s.tags.target);
      return services.every((name) => upTargets.includes(name)) ? upTargets : undefined;
    });
    expect(up).toEqual(expect.arrayContaining(services));
  });

  it("shows the demo token nothing of another org, whose point did reach InfluxDB", async () => {
    const nc = await connect({ servers: stack.nats });
    try {
      const ns = BigInt(Date.now()) * 1_000_000n;
      await jetstream(nc).publish("metrics.other-org.intruder", `demo_intruder,host=h secret=31337 ${ns}`, {
        msgID: `intruder-${ns}`,
      });
    } finally {
      await nc.close();
    }
    const influx = stack.services.find((s) => s.name === "influxdb-b")!.url!;
    await waitFor("the other org's point in InfluxDB", async () => {
      const q = encodeURIComponent(
        `SELECT count("secret") FROM "demo_intruder" WHERE "org"::tag = 'other-org'`,
      );
      const body = await (await fetch(`${influx}/query?db=platform_metrics&q=${q}`)).json();
      return body.results?.[0]?.series ? true : undefined;
    });

    expect((await gateway.get("/api/v1/orgs")).body.orgs).toEqual([DEMO_ORG]);
    const { body } = await gateway.get(`/api/v1/measurements?org=${DEMO_ORG}`);
    expect(body.measurements).not.toContain("demo_intruder");
    expect((await gateway.get("/api/v1/measurements?org=other-org")).status).toBe(403);
    const direct = await gateway.query({
      measurement: "demo_intruder",
      fields: ["secret"],
      range: { from: "-1h" },
    });
    expect(direct.status).toBe(404);
    expect(JSON.stringify(direct.body)).not.toContain("31337");
  });

  it("answers as before, with new points, while the replica that answered is stopped", async () => {
    const before = await waitFor("a perf point", () => recentPoints("perf", false));
    const replica = before.answer.replica;
    expect(replica).toMatch(/^[ab]$/);
    const pid = pidOf(`influxdb-${replica}`);
    process.kill(pid, "SIGTERM");
    await waitFor(`influxdb-${replica} to exit`, () => (alive(pid) ? undefined : true));
    const stoppedAt = new Date().toISOString();

    // Every collector's points, and perf's newest ones written after the stop, from the other replica.
    for (const collector of COLLECTORS) {
      const found = await waitFor(`points of ${collector.name} after the stop`, () =>
        recentPoints(collector.name, collector.simulated !== undefined),
      );
      expect(found.answer.replica).not.toBe(replica);
    }
    await waitFor("a perf point newer than the stop", async () => {
      const answer = await gateway.query({
        measurement: before.measurement,
        fields: before.answer.body.series[0].columns.slice(1),
        where: { source: "perf" },
        range: { from: stoppedAt },
        limit: 1,
      });
      expect(answer.status).toBe(200);
      return answer.body.series.length > 0 ? true : undefined;
    });
    await waitFor("the demo to report the stopped replica", () =>
      demo.output().includes(`influxdb-${replica} stopped by itself; the rest keeps running`)
        ? true
        : undefined,
    );
  });

  it("draws a chart from live points on the dashboard, under a note that says what is simulated", async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
      ],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));
      await page.goto(`${gatewayUrl}/?view=overview&source=perf&from=-15m&refresh=5s`);
      await page.waitForFunction(() => !document.getElementById("notice")?.hidden, null, { timeout: 60_000 });
      expect(await page.textContent("#notice")).toContain(`cluster=${SIMULATED_CLUSTER}`);
      await page.fill("#token", token);
      await page.click("#use-token");
      await page.waitForFunction(
        () =>
          Array.from(document.querySelectorAll(".panel")).some(
            (p) => Number(p.getAttribute("data-points")) > 0,
          ),
        null,
        { timeout: 120_000 },
      );
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("stops every process it started and exits 0 on Ctrl-C", async () => {
    const pids = stack.services.flatMap((s) => (s.pid ? [s.pid] : []));
    expect(pids.filter(alive).length).toBeGreaterThan(5);
    // A terminal's Ctrl-C: SIGINT to the whole process group.
    process.kill(-demo.child.pid!, "SIGINT");
    expect(await demo.exited).toBe(0);
    expect(demo.output()).toMatch(/^Stopped\. Data kept in /m);
    expect(pids.filter(alive)).toEqual([]);
    // Nor anything else that works in the demo's directory (fio runs of storage-probe, say).
    expect(processesMentioning(dir)).toEqual([]);
  });

  it("runs again on the same data and token, and stops on SIGTERM too", async () => {
    const firstRunEnded = new Date().toISOString();
    const again = spawnDemo(dir);
    let code: number | null | undefined;
    void again.exited.then((c) => (code = c));
    try {
      const [, url, secret] = await waitFor("the second run's Gateway line", () => {
        if (code !== undefined) throw new Error(`the demo exited with ${code}:\n${again.output()}`);
        return GATEWAY_LINE.exec(again.output()) ?? undefined;
      });
      expect(secret).toBe(token);
      const client = gatewayClient(url!, secret!);
      // Points of the first run, kept in .pm-demo/.
      const perf = (await numericFieldsOf("perf", client))[0]!;
      const answer = await client.query({
        measurement: perf.measurement,
        fields: [perf.field],
        where: { source: "perf" },
        range: { from: "-1h", to: firstRunEnded },
        limit: 1,
      });
      expect(answer.status).toBe(200);
      expect(answer.body.series.length).toBeGreaterThan(0);
    } finally {
      again.child.kill("SIGTERM");
    }
    expect(await again.exited).toBe(0);
    expect(processesMentioning(dir)).toEqual([]);
  });
});
