import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UNITS } from "@platform-metrics/sdk";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  collectorDashboard,
  DATASOURCE,
  dashboardName,
  filterTags,
  GRAFANA_RATE_UNITS,
  GRAFANA_UNITS,
  grafanaRateUnit,
  grafanaUnit,
  lastValuesQuery,
  panelQuery,
  quoteIdentifier,
  quoteString,
  rateQuery,
} from "../../scripts/grafana-dashboards.mjs";
import { DEPLOY, render } from "./kustomize.js";

// The Grafana side of the gateway's InfluxDB 1.x /query: the data source provisioning file, and one
// dashboard per collector generated from the declarations (`npm run docs`; the SDK's tests run
// `--check`, so a stale dashboard fails there). Here: what the files promise Grafana and the gateway.

interface CatalogueMeasurement {
  name: string;
  tags: { name: string }[];
  fields: { name: string; type: string; unit?: string; counter?: true }[];
}
interface CatalogueSource {
  name: string;
  interval: string;
  collector?: boolean;
  measurements: CatalogueMeasurement[];
}
// biome-ignore lint/suspicious/noExplicitAny: dashboard JSON, read field by field
type Any = any;

const GRAFANA = join(DEPLOY, "grafana");
const catalogue: { sources: CatalogueSource[]; everySource: CatalogueMeasurement[] } = JSON.parse(
  readFileSync(join(DEPLOY, "../gateway/src/catalogue/measurements.json"), "utf8"),
);
const dashboardFiles = readdirSync(join(GRAFANA, "dashboards")).filter((f) => f.endsWith(".json"));
const dashboardOf = (name: string): Any =>
  JSON.parse(readFileSync(join(GRAFANA, "dashboards", `${name}.json`), "utf8"));
const datasourceFile = parse(
  readFileSync(join(GRAFANA, "provisioning/datasources/platform-metrics.yaml"), "utf8"),
);
const NUMERIC = ["float", "integer", "unsigned"];

// The exact shape the generator writes (Grafana's query editor's): anything else fails here. A
// counter's panel charts its rate: non_negative_derivative of the interval's largest total, per second.
const PANEL_QUERY =
  /^SELECT (?:mean\("(\w+)"\)|non_negative_derivative\(max\("(\w+)"\), 1s\)) FROM "(\w+)" WHERE (?:\((.+ AND .+)\) AND |([^(].*?) AND )?\$timeFilter GROUP BY time\(\$__interval\)((?:, "\w+")*) fill\(null\)$/;
const TABLE_QUERY =
  /^SELECT (last\("\w+"\) AS "\w+"(?:, last\("\w+"\) AS "\w+")*) FROM "(\w+)" WHERE (?:\((.+ AND .+)\) AND |([^(].*?) AND )?\$timeFilter((?: GROUP BY "\w+"(?:, "\w+")*)?)$/;
const VARIABLE_CONDITION = /^"(\w+)" =~ \/\^\$(\w+)\$\/$/;
const SOURCE_CONDITION = /^"source" = '([\w-]+)'$/;
const VARIABLE_QUERY = /^SHOW TAG VALUES WITH KEY = "(\w+)" WHERE "source" = '([\w-]+)'$/;

const targets = (dashboard: Any) =>
  dashboard.panels.filter((p: Any) => p.type !== "row").map((p: Any) => ({ panel: p, target: p.targets[0] }));

it("a dashboard for every collector in the catalogue, and none for a collector it lacks", () => {
  expect(dashboardFiles.sort()).toEqual(catalogue.sources.map((s) => `${s.name}.json`).sort());
  expect(catalogue.sources.map((s) => s.name)).toEqual(
    expect.arrayContaining(["perf", "storage-probe", "k8s-api"]),
  );
});

describe.each(catalogue.sources)("dashboard $name", (source) => {
  const dashboard = dashboardOf(source.name);
  // pm_collector is the SDK runtime's: the relay and gateway (collector: false) write none.
  const own = source.collector === false ? [] : catalogue.everySource;
  const declared = new Map([...source.measurements, ...own].map((m) => [m.name, m]));

  it("is the generator's output for the catalogue (run npm run docs after changing a declaration)", () => {
    expect(dashboard).toEqual(collectorDashboard(source, catalogue.everySource));
  });

  it("is a Grafana dashboard: uid, schemaVersion, panels with ids and gridPos on the 24 columns, no overlap", () => {
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = dashboard.panels.map((p: Any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const taken = new Set<string>();
    for (const { gridPos: g, title } of dashboard.panels) {
      expect(g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.y >= 0 && g.h > 0, title).toBe(true);
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(taken.has(`${x},${y}`), `${title} overlaps at ${x},${y}`).toBe(false);
          taken.add(`${x},${y}`);
        }
    }
  });

  it("asks the provisioned data source, by its uid, in every panel, query and variable", () => {
    expect(DATASOURCE.uid).toBe(datasourceFile.datasources[0].uid);
    for (const { panel, target } of targets(dashboard)) {
      expect(panel.datasource, panel.title).toEqual(DATASOURCE);
      expect(target.datasource, panel.title).toEqual(DATASOURCE);
      expect(target.rawQuery).toBe(true);
      expect(target.resultFormat).toBe(panel.type === "table" ? "table" : "time_series");
    }
    for (const variable of dashboard.templating.list) expect(variable.datasource).toEqual(DATASOURCE);
  });

  /** The measurement, fields, tag conditions and group-by tags of a panel's query, in either shape. */
  function readQuery(panel: Any) {
    const query: string = panel.targets[0].query;
    if (panel.type === "table") {
      const match = TABLE_QUERY.exec(query);
      expect(match, query).not.toBeNull();
      const [, select, measurement, several, one, groupBy] = match!;
      const conditions = several ?? one;
      const fields = [...select!.matchAll(/last\("(\w+)"\) AS "(\w+)"/g)].map(([, f, as]) => {
        expect(as).toBe(f);
        return f!;
      });
      return { query, measurement: measurement!, fields, conditions, groupBy: groupBy! };
    }
    const match = PANEL_QUERY.exec(query);
    expect(match, query).not.toBeNull();
    const [, mean, rate, measurement, several, one, groupBy] = match!;
    const conditions = several ?? one;
    return {
      query,
      measurement: measurement!,
      fields: [(mean ?? rate)!],
      rate: rate !== undefined,
      conditions,
      groupBy: groupBy!,
    };
  }

  it("every query reads declared fields of a declared measurement, by its declared tags", () => {
    const variables = new Set(dashboard.templating.list.map((v: Any) => v.name));
    for (const { panel } of targets(dashboard)) {
      const { query, measurement, fields, rate, conditions, groupBy } = readQuery(panel);
      const m = declared.get(measurement);
      expect(m, `${measurement} is not a measurement of ${source.name} or the SDK`).toBeDefined();
      const tags = m!.tags.map((t) => t.name);
      for (const field of fields) {
        const declaredField = m!.fields.find((f) => f.name === field);
        expect(declaredField, `${measurement}.${field}`).toBeDefined();
        // A mean of a boolean or a string is an error; those go to the last-values table.
        expect(NUMERIC.includes(declaredField!.type), `${query}: ${field}`).toBe(panel.type === "timeseries");
        if (panel.type !== "timeseries") continue;
        // A counter (a total since its writer started) is charted as its rate, and says so.
        expect(rate, `${query}: ${field} is${declaredField!.counter ? "" : " not"} a counter`).toBe(
          declaredField!.counter === true,
        );
        expect(panel.title.endsWith(" per second"), panel.title).toBe(rate);
        expect(panel.fieldConfig.defaults.unit).toBe(
          rate ? grafanaRateUnit(declaredField!.unit, "test") : grafanaUnit(declaredField!.unit, "test"),
        );
      }
      expect(panel.interval).toBe(source.interval);
      expect([...groupBy.matchAll(/"(\w+)"/g)].map((g) => g[1])).toEqual(tags);
      for (const condition of conditions?.split(" AND ") ?? []) {
        const byVariable = VARIABLE_CONDITION.exec(condition);
        if (byVariable) {
          expect(tags).toContain(byVariable[1]);
          expect(variables).toContain(byVariable[2]);
        } else {
          // pm_collector is the SDK's, written by every collector: its panels keep to this one.
          expect(SOURCE_CONDITION.exec(condition)?.[1], condition).toBe(source.name);
          expect(measurement).toBe("pm_collector");
        }
      }
    }
  });

  it("every field of the collector's measurements and of pm_collector has a panel", () => {
    const shown = new Set(
      targets(dashboard).flatMap(({ panel }: Any) => {
        const { measurement, fields } = readQuery(panel);
        return fields.map((f) => `${measurement}.${f}`);
      }),
    );
    for (const m of declared.values())
      for (const f of m.fields) expect(shown, `${m.name}.${f.name}`).toContain(`${m.name}.${f.name}`);
  });

  it("has no row without panels, and pm_collector's only when the source is a collector", () => {
    const rows = dashboard.panels.filter((p: Any) => p.type === "row");
    for (const row of rows) {
      const next = dashboard.panels[dashboard.panels.indexOf(row) + 1];
      expect(next && next.type !== "row", `row ${row.title} is empty`).toBe(true);
    }
    const charted = new Set(targets(dashboard).map(({ panel }: Any) => readQuery(panel).measurement));
    expect(charted.has("pm_collector")).toBe(source.collector !== false);
  });

  it("its variables list the values of a tag the collector's measurements carry", () => {
    const carried = new Set(source.measurements.flatMap((m) => m.tags.map((t) => t.name)));
    expect(dashboard.templating.list.length).toBeGreaterThan(0);
    for (const variable of dashboard.templating.list) {
      const [, tag, from] = VARIABLE_QUERY.exec(variable.query) ?? [];
      expect(carried, variable.query).toContain(tag);
      expect(from).toBe(source.name);
      expect(variable.name).toBe(tag);
    }
  });
});

describe("the generator", () => {
  it("quotes hostile names so they cannot end the identifier or the string", () => {
    expect(quoteIdentifier('a" FROM "b')).toBe('"a\\" FROM \\"b"');
    expect(quoteIdentifier("x\\")).toBe('"x\\\\"');
    expect(quoteString("it's' OR 'a'='a")).toBe("'it\\'s\\' OR \\'a\\'=\\'a'");
    expect(panelQuery({ measurement: 'm"', field: "f", conditions: [], groupBy: ['t"; DROP'] })).toBe(
      'SELECT mean("f") FROM "m\\"" WHERE $timeFilter GROUP BY time($__interval), "t\\"; DROP" fill(null)',
    );
    expect(lastValuesQuery({ measurement: "m", fields: ['ok" FROM "x'], conditions: [], groupBy: [] })).toBe(
      'SELECT last("ok\\" FROM \\"x") AS "ok\\" FROM \\"x" FROM "m" WHERE $timeFilter',
    );
  });

  it("maps every unit the SDK allows to a Grafana unit id, and refuses one it does not know by name", () => {
    for (const unit of UNITS) expect(GRAFANA_UNITS, unit).toHaveProperty(unit);
    expect(Object.keys(GRAFANA_UNITS).sort()).toEqual([...UNITS].sort());
    expect(grafanaUnit(undefined, "m.f")).toBe("none");
    expect(() => grafanaUnit("furlongs", "m.f")).toThrow(/m\.f: unit "furlongs"/);
  });

  it("maps the unit of every declared counter to a per-second Grafana unit, and refuses others by name", () => {
    const counters = [...catalogue.sources.flatMap((s) => s.measurements), ...catalogue.everySource].flatMap(
      (m) => m.fields.filter((f) => f.counter),
    );
    expect(counters.length).toBeGreaterThan(0);
    for (const f of counters) expect(GRAFANA_RATE_UNITS, f.name).toHaveProperty(f.unit ?? "count");
    expect(grafanaRateUnit("count", "m.f")).toBe("cps");
    expect(grafanaRateUnit("bytes", "m.f")).toBe("Bps");
    expect(grafanaRateUnit(undefined, "m.f")).toBe("none");
    expect(() => grafanaRateUnit("ms", "m.f")).toThrow(/m\.f: a counter in unit "ms"/);
  });

  it("charts a counter as its rate per second and the rest as their mean", () => {
    const source = {
      name: "demo",
      interval: "10s",
      collector: false,
      measurements: [
        {
          name: "demo_x",
          tags: [{ name: "host" }],
          fields: [
            { name: "sent", type: "integer", unit: "bytes", counter: true, description: "bytes sent" },
            { name: "queued", type: "integer", unit: "count" },
          ],
        },
        // Fields named only at run time: nothing to chart, so no row.
        { name: "demo_open", tags: [], fields: [] },
      ],
    };
    const every = [{ name: "pm_collector", tags: [], fields: [{ name: "rounds", type: "integer" }] }];
    const panels = collectorDashboard(source, every).panels;
    expect(panels.map((p: Any) => [p.type, p.title])).toEqual([
      ["row", "demo_x"],
      ["timeseries", "demo_x.sent per second"],
      ["timeseries", "demo_x.queued"],
    ]);
    const asked = { measurement: "demo_x", conditions: ['"host" =~ /^$host$/'], groupBy: ["host"] };
    expect(panels[1].targets[0].query).toBe(rateQuery({ ...asked, field: "sent" }));
    expect(panels[1].targets[0].query).toBe(
      'SELECT non_negative_derivative(max("sent"), 1s) FROM "demo_x" WHERE "host" =~ /^$host$/ AND $timeFilter GROUP BY time($__interval), "host" fill(null)',
    );
    expect(panels[1].fieldConfig.defaults.unit).toBe("Bps");
    expect(panels[2].targets[0].query).toBe(panelQuery({ ...asked, field: "queued" }));
    // A collector also gets the SDK's pm_collector row.
    const titles = collectorDashboard({ ...source, collector: true }, every).panels.map((p: Any) => p.title);
    expect(titles).toContain("pm_collector");
  });

  it("refuses, by name, a collector name that cannot be a dashboard uid or ConfigMap name", () => {
    expect(dashboardName("k8s-api")).toBe("k8s-api");
    expect(dashboardName("a".repeat(37))).toBe("a".repeat(37));
    for (const bad of ["my_collector", "a".repeat(38), "-x", "X", ""])
      expect(() => dashboardName(bad), bad).toThrow(`collector ${JSON.stringify(bad)}`);
    const source = { name: "my_collector", interval: "10s", measurements: [] };
    expect(() => collectorDashboard(source, [])).toThrow(/my_collector/);
  });

  it("makes filters of the tags most measurements carry, ties included", () => {
    const m = (name: string, tags: string[]) => ({ name, tags: tags.map((t) => ({ name: t })), fields: [] });
    expect(filterTags([m("a_x", ["ns", "phase"]), m("b_x", ["ns"]), m("c_x", ["node"])])).toEqual(["ns"]);
    expect(filterTags([m("a_x", ["volume", "engine"]), m("b_x", ["engine", "volume"])])).toEqual([
      "volume",
      "engine",
    ]);
    expect(filterTags([])).toEqual([]);
  });
});

describe("provisioning", () => {
  const gatewayService = parse(readFileSync(join(DEPLOY, "gateway/service.yaml"), "utf8"));
  const gatewayDeployment = parse(readFileSync(join(DEPLOY, "gateway/deployment.yaml"), "utf8"));
  const namespace = parse(readFileSync(join(DEPLOY, "overlays/ha/kustomization.yaml"), "utf8")).namespace;

  it("one InfluxQL data source, through Grafana's server, at the gateway Service deploy/gateway defines", () => {
    expect(datasourceFile.apiVersion).toBe(1);
    expect(datasourceFile.datasources).toHaveLength(1);
    const [ds] = datasourceFile.datasources;
    expect(ds).toMatchObject({ type: "influxdb", access: "proxy", jsonData: { version: "InfluxQL" } });
    expect(["GET", "POST"]).toContain(ds.jsonData.httpMode);
    const url = new URL(ds.url);
    expect(url.protocol).toBe("http:");
    expect(url.hostname).toBe(`${gatewayService.metadata.name}.${namespace}.svc`);
    const port = Number(url.port || 80);
    expect(gatewayService.spec.ports.map((p: Any) => p.port)).toContain(port);
    expect(url.pathname).toBe("/");
  });

  it("sends the gateway token from Grafana's environment as Authorization: Token, never a literal one", () => {
    const [ds] = datasourceFile.datasources;
    expect(ds.jsonData.httpHeaderName1).toBe("Authorization");
    expect(ds.secureJsonData.httpHeaderValue1).toMatch(/^Token \$\{?GATEWAY_TOKEN\}?$/);
    expect(ds.secureJsonData.password ?? ds.secureJsonData.basicAuthPassword).toBeUndefined();
    expect(ds.user ?? ds.basicAuth).toBeUndefined();
  });

  it("names the database the gateway reads, which it maps to its own", () => {
    const env = gatewayDeployment.spec.template.spec.containers[0].env;
    const db = env.find((e: Any) => e.name === "PM_INFLUX_DB").value;
    expect(datasourceFile.datasources[0].jsonData.dbName).toBe(db);
  });

  it("a file dashboard provider with an absolute path", () => {
    const provider = parse(
      readFileSync(join(GRAFANA, "provisioning/dashboards/platform-metrics.yaml"), "utf8"),
    );
    expect(provider.apiVersion).toBe(1);
    expect(provider.providers).toHaveLength(1);
    expect(provider.providers[0]).toMatchObject({ type: "file", allowUiUpdates: false });
    expect(provider.providers[0].options.path).toMatch(/^\//);
  });

  it("renders as ConfigMaps holding the files as they are, each small enough for kubectl apply", () => {
    const maps = render(GRAFANA).filter((o) => o.kind === "ConfigMap");
    const byName = new Map(maps.map((m) => [m.metadata.name, m]));
    expect(byName.get("pm-grafana-datasource")?.metadata.labels?.grafana_datasource).toBe("1");
    expect(byName.get("pm-grafana-datasource")?.data["platform-metrics.yaml"]).toBe(
      readFileSync(join(GRAFANA, "provisioning/datasources/platform-metrics.yaml"), "utf8"),
    );
    for (const source of catalogue.sources) {
      const map = byName.get(`pm-grafana-dashboard-${source.name}`);
      expect(map?.metadata.labels?.grafana_dashboard, source.name).toBe("1");
      expect(map?.data[`${source.name}.json`]).toBe(
        readFileSync(join(GRAFANA, "dashboards", `${source.name}.json`), "utf8"),
      );
    }
    // kubectl apply keeps the whole object in an annotation, and annotations hold 256 KiB in all.
    for (const map of maps) expect(JSON.stringify(map).length, map.metadata.name).toBeLessThan(200 * 1024);
  });
});
