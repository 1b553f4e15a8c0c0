import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

// The overview page's choice of sections, a plain browser module: checked here with the API answered
// in place of the gateway (the browser test draws real ones).

const module = pathToFileURL(fileURLToPath(new URL("../src/dashboard/js/overview.js", import.meta.url))).href;
// biome-ignore lint/suspicious/noExplicitAny: untyped browser module
let overview: any;
const asked: string[] = [];

beforeAll(async () => {
  vi.stubGlobal("sessionStorage", { getItem: () => "token" });
  vi.stubGlobal("fetch", async (path: string) => {
    asked.push(path);
    const fields = [
      { name: "rounds", type: "integer" },
      { name: "points_written", type: "integer" },
    ];
    return new Response(JSON.stringify({ fields }), { status: 200 });
  });
  overview = await import(module);
});

afterEach(() => {
  asked.length = 0;
});

const pmCollector = {
  name: "pm_collector",
  tags: [],
  fields: [{ name: "rounds", type: "integer", unit: "count", counter: true }],
};
const pmRelay = {
  name: "pm_relay",
  tags: [{ name: "replica" }],
  fields: [{ name: "points_written", type: "integer", unit: "count", counter: true }],
};
const catalogue = { everySource: [pmCollector] };
const withData = ["pm_relay", "pm_collector"];

describe("overview charts of counters", () => {
  const perfProcess = {
    name: "perf_process",
    tags: [{ name: "pid" }],
    fields: [
      { name: "cpu_user_seconds", type: "float", unit: "s", counter: true },
      { name: "busy_seconds", type: "float", unit: "s" },
      { name: "read_bytes", type: "integer", unit: "bytes", counter: true },
      { name: "rss_bytes", type: "integer", unit: "bytes" },
      { name: "switches", type: "integer", unit: "count", counter: true },
      { name: "threads", type: "integer", unit: "count" },
      { name: "ticks", type: "integer", counter: true },
    ],
  };
  const present = new Set(perfProcess.fields.map((field) => field.name));

  it("asks a counter's rate per second, in a chart of its own, in the rate's unit", () => {
    const charts = overview
      .measurementPanels(perfProcess, present)
      .map(({ title, fields, aggregate, unit }: Record<string, unknown>) => ({
        title,
        fields,
        aggregate,
        unit,
      }));
    expect(charts).toEqual([
      { title: "cpu_user_seconds per second", fields: ["cpu_user_seconds"], aggregate: "rate", unit: "s/s" },
      { title: "busy_seconds", fields: ["busy_seconds"], aggregate: undefined, unit: "s" },
      { title: "read_bytes per second", fields: ["read_bytes"], aggregate: "rate", unit: "bytes/s" },
      { title: "rss_bytes", fields: ["rss_bytes"], aggregate: undefined, unit: "bytes" },
      { title: "switches per second", fields: ["switches"], aggregate: "rate", unit: "count/s" },
      { title: "threads", fields: ["threads"], aggregate: undefined, unit: "count" },
      { title: "ticks per second", fields: ["ticks"], aggregate: "rate", unit: undefined },
    ]);
  });

  it("lets a chosen aggregate (Explore's) apply to counters too, and auto pick each field's own", () => {
    const groups = (chosen?: string) =>
      [...overview.chartGroups(perfProcess.fields.slice(0, 2), chosen).values()].map(
        (group: { aggregate: string; unit: string; fields: { name: string }[] }) => [
          group.aggregate,
          group.unit,
          group.fields.map((field) => field.name),
        ],
      );
    expect(groups()).toEqual([
      ["rate", "s/s", ["cpu_user_seconds"]],
      ["mean", "s", ["busy_seconds"]],
    ]);
    expect(groups("max")).toEqual([["max", "s", ["cpu_user_seconds", "busy_seconds"]]]);
    expect(groups("count")).toEqual([["count", "count", ["cpu_user_seconds", "busy_seconds"]]]);
  });
});

describe("overview sections", () => {
  it("a collector's page has the SDK's pm_collector section, for its own points", async () => {
    const source = { name: "perf", interval: "10s", measurements: [] };
    const sections = await overview.overviewSections(source, catalogue, "acme", withData);
    expect(sections.map((s: { measurement: string }) => s.measurement)).toEqual(["pm_collector"]);
    expect(asked).toEqual(["/api/v1/measurements/pm_collector/fields?org=acme"]);
  });

  it("a source that is no collector (the relay, the gateway) has none: it writes no pm_collector", async () => {
    const source = { name: "relay", interval: "10s", collector: false, measurements: [pmRelay] };
    const sections = await overview.overviewSections(source, catalogue, "acme", withData);
    expect(sections.map((s: { measurement: string }) => s.measurement)).toEqual(["pm_relay"]);
    expect(asked).toEqual(["/api/v1/measurements/pm_relay/fields?org=acme"]);
  });
});
