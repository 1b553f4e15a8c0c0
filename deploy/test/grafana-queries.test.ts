import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Influx, startInflux } from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEPLOY } from "./kustomize.js";

// Every query of every provisioned dashboard, with Grafana's macros and variables filled in as Grafana
// fills them, run on a real influxd holding one point of each declared measurement shaped as its
// declaration says: each is valid InfluxQL and finds the series it is meant to chart. (Through the
// gateway the same text also gets the org condition; the gateway's own tests cover that.)

interface CatalogueMeasurement {
  name: string;
  tags: { name: string }[];
  fields: { name: string; type: string }[];
}
interface CatalogueSource {
  name: string;
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

/** One line of a measurement as a collector called `source` writes it, every tag set to "x". */
function line(m: CatalogueMeasurement, source: string, timestampNs: bigint): string {
  const tags = [...m.tags.map((t) => `${t.name}=x`), "org=acme", `source=${source}`].join(",");
  const fields = m.fields.map((f) => `${f.name}=${FIELD_VALUE[f.type]}`).join(",");
  return `${m.name},${tags} ${fields} ${timestampNs}`;
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

let influx: Influx;

beforeAll(async () => {
  influx = await startInflux();
  await influx.createDatabase(DB);
  const now = BigInt(Date.now() - 60_000) * 1_000_000n;
  await influx.write(
    DB,
    catalogue.sources.flatMap((s) =>
      [...s.measurements, ...catalogue.everySource].map((m) => line(m, s.name, now)),
    ),
  );
});

afterAll(async () => {
  await influx?.close();
});

describe.each(dashboards.map((d) => ({ title: d.title, dashboard: d })))("$title", ({ dashboard }) => {
  it("every panel's query runs on influxd and finds its series", async () => {
    for (const panel of dashboard.panels.filter((p: { type: string }) => p.type !== "row")) {
      const query = asGrafanaSends(panel.targets[0].query);
      const result = await influx.query(query, { db: DB });
      const series = result.results[0]?.series ?? [];
      expect(series.length, query).toBeGreaterThan(0);
      expect(
        series.some((s) => s.values.some((row) => row[1] !== null)),
        query,
      ).toBe(true);
    }
  });

  it("every variable's query lists the tag's values", async () => {
    for (const variable of dashboard.templating.list) {
      const result = await influx.query(variable.query, { db: DB });
      const values = (result.results[0]?.series ?? []).flatMap((s) => s.values.map((row) => row[1]));
      expect(values, variable.query).toContain("x");
    }
  });
});
