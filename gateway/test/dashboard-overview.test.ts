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
