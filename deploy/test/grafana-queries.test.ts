import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, type Influx, startInflux, trackChild, waitFor } from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEPLOY } from "./kustomize.js";

// Every query of every provisioned dashboard, with Grafana's macros and variables filled in as Grafana
// fills them, sent as Grafana sends it to a real pm-gateway's InfluxDB-compatible /query in front of a
// real influxd holding two points, a minute apart, of each declared measurement for two orgs: each is
// accepted by the gateway's InfluxQL grammar, finds the series it is meant to chart, and shows nothing
// of the other org. Counters grow between the two points, so their rate panels have a rate to show.

interface CatalogueMeasurement {
  name: string;
  tags: { name: string }[];
  fields: { name: string; type: string; counter?: true }[];
}
interface CatalogueSource {
  name: string;
  collector?: boolean;
  measurements: CatalogueMeasurement[];
}

const DB = "platform_metrics";
const catalogue: { sources: CatalogueSource[]; everySource: CatalogueMeasurement[] } = JSON.parse(
  readFileSync(join(DEPLOY, "../gateway/src/catalogue/measurements.json"), "utf8"),
);
const dashboards = readdirSync(join(DEPLOY, "grafana/dashboards"))
  .filter((f) => f.endsWith(".json"))
  .map((f) => JSON.parse(readFileSync(join(DEPLOY, "grafana/dashboards", f), "utf8")));

const FIELD_VALUE: Record<string, string> = {
  float: "1.5",
  integer: "2i",
  // influxd 1.x takes unsigned integers only behind a build flag; the query reads them the same.
  unsigned: "2i",
  boolean: "true",
  string: '"x"',
};

/** How much each counter grows from the first point to the second, a minute later, per org. */
const GROWTH: Record<string, number> = { acme: 30, globex: 600 };
/** acme's counters per second: what each rate panel must show (globex's would be 10). */
const ACME_RATE = 0.5;

/** A counter's value at the `step`th point (0 or 1): it grows by the org's GROWTH. */
function counterValue(type: string, step: number, org: string): string {
  const grown = step * GROWTH[org]!;
  return type === "float" ? String(1.5 + grown) : `${2 + grown}i`;
}

/**
 * The `step`th line of a measurement as a collector called `source` writes it, every tag set to "x",
 * a minute after the one before.
 */
function line(m: CatalogueMeasurement, source: string, step: number, org = "acme"): string {
  // The other org's tag values carry its name, so an answer that leaked them would show it.
  const value = org === "acme" ? "x" : org;
  const tags = [...m.tags.map((t) => `${t.name}=${value}`), `org=${org}`, `source=${source}`].join(",");
  const fields = m.fields
    .map((f) => `${f.name}=${f.counter ? counterValue(f.type, step, org) : FIELD_VALUE[f.type]}`)
    .join(",");
  return `${m.name},${tags} ${fields} ${FIRST_NS + BigInt(step) * 60_000_000_000n}`;
}

/**
 * What Grafana sends for the last hour, a 1m interval and each variable at "All": its InfluxDB
 * backend's time filter (pkg/tsdb/influxdb/models/query.go, renderTimeFilter) and the allValue `.*`.
 */
function asGrafanaSends(query: string): string {
  const to = Date.now();
  return query
    .replaceAll("$timeFilter", `time >= ${to - 3_600_000}ms and time <= ${to}ms`)
    .replaceAll("$__interval", "1m")
    .replace(/\/\^\$\w+\$\//g, "/^.*$/");
}

// Two and one minutes ago: in two consecutive 1m intervals, whatever the clock, well inside the last hour.
const FIRST_NS = BigInt(Date.now() - 120_000) * 1_000_000n;
const GATEWAY_BIN = join(DEPLOY, "../gateway/dist/bin.js");
const TOKEN = "pmg_grafana-queries-test-token-for-acme-only-000000";
let influx: Influx;
let gateway: ChildProcess | undefined;
let gatewayUrl: string;
let dir: string;

/** Sends `q` to the gateway's /query as Grafana's data source does (POST form, Authorization header). */
async function query(
  q: string,
): Promise<{ results: { series?: { values: unknown[][] }[]; error?: string }[] }> {
  const response = await fetch(`${gatewayUrl}/query?db=${DB}&epoch=ms`, {
    method: "POST",
    headers: { authorization: `Token ${TOKEN}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ q }),
  });
  const text = await response.text();
  expect(response.status, `${q}\n${text}`).toBe(200);
  expect(text, q).not.toContain("globex");
  return JSON.parse(text);
}

beforeAll(async () => {
  influx = await startInflux();
  await influx.createDatabase(DB);
  await influx.write(
    DB,
    catalogue.sources.flatMap((s) =>
      // A measurement open to any field (component_scrape: a scraped sample's name) declares none to write.
      [...s.measurements, ...catalogue.everySource]
        .filter((m) => m.fields.length > 0)
        .flatMap((m) => [0, 1].flatMap((step) => [line(m, s.name, step), line(m, s.name, step, "globex")])),
    ),
  );
  dir = mkdtempSync(join(tmpdir(), "pm-grafana-queries-"));
  const tokensFile = join(dir, "tokens.yaml");
  const sha256 = createHash("sha256").update(TOKEN).digest("hex");
  writeFileSync(tokensFile, `tokens:\n  - { id: grafana, sha256: ${sha256}, orgs: [acme] }\n`);
  const port = await freePort();
  gatewayUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [GATEWAY_BIN], {
    env: {
      PATH: process.env.PATH ?? "",
      PM_INFLUX_URLS: `a=${influx.url}`,
      PM_INFLUX_DB: DB,
      PM_GATEWAY_TOKENS_FILE: tokensFile,
      PM_HTTP_HOST: "127.0.0.1",
      PM_HTTP_PORT: String(port),
      PM_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  trackChild(child);
  gateway = child;
  await waitFor("pm-gateway to be ready", async () => {
    if (child.exitCode !== null) throw new Error(`pm-gateway exited with ${child.exitCode}`);
    return (await fetch(`${gatewayUrl}/readyz`)).ok;
  });
});

afterAll(async () => {
  gateway?.kill("SIGTERM");
  await influx?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.each(dashboards.map((d) => ({ title: d.title, dashboard: d })))("$title", ({ dashboard }) => {
  it("every panel's query runs through the gateway's /query and finds its series", async () => {
    for (const panel of dashboard.panels.filter((p: { type: string }) => p.type !== "row")) {
      const sent = asGrafanaSends(panel.targets[0].query);
      const result = await query(sent);
      expect(result.results[0]?.error, sent).toBeUndefined();
      const series = result.results[0]?.series ?? [];
      expect(series.length, sent).toBeGreaterThan(0);
      const values = series.flatMap((s) => s.values.map((row) => row[1])).filter((v) => v !== null);
      expect(values.length, sent).toBeGreaterThan(0);
      // A rate is acme's growth per second: globex's (ten) would mean its series leaked in.
      if (/non_negative_derivative/.test(sent))
        for (const v of values) expect(v, sent).toBeCloseTo(ACME_RATE, 9);
    }
  });

  it("charts every counter field as a rate", () => {
    const rates = dashboard.panels.filter((p: { targets?: { query: string }[] }) =>
      p.targets?.[0]?.query.includes("non_negative_derivative"),
    );
    const source = catalogue.sources.find((s) => dashboard.uid === `pm-${s.name}`)!;
    const own = source.collector === false ? [] : catalogue.everySource;
    const counters = [...source.measurements, ...own].flatMap((m) => m.fields.filter((f) => f.counter));
    expect(rates.length).toBe(counters.length);
  });

  it("every variable's query lists the tag's values", async () => {
    for (const variable of dashboard.templating.list) {
      const result = await query(variable.query);
      const values = (result.results[0]?.series ?? []).flatMap((s) => s.values.map((row) => row[1]));
      expect(values, variable.query).toContain("x");
    }
  });
});
