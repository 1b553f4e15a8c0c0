import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { catalogueMeasurements } from "../src/docs/catalogue.js";
import { renderMeasurements, replaceMetricsSection } from "../src/docs/render-measurements.js";

const script = fileURLToPath(new URL("../../scripts/gen-metric-docs.mjs", import.meta.url));

describe("generated metric docs", () => {
  it("renders tags, types, units and descriptions from the declarations", () => {
    const table = renderMeasurements({
      demo_x: {
        description: "Demo.",
        tags: { host: "the host" },
        fields: { ms: { type: "float", unit: "ms", description: "a | pipe" }, ok: "boolean" },
      },
    });
    expect(table).toContain("### `demo_x`\n\nDemo.");
    expect(table).toContain("| tag | `host` | string | | the host |");
    expect(table).toContain("| field | `ms` | float | ms | a \\| pipe |");
    expect(table).toContain("| field | `ok` | boolean |  |  |");
    expect(table).toContain("| tag | `org` |");
  });

  it("shows a counter as kind counter, and marks it in the JSON for the dashboards", () => {
    const declarations = {
      demo_x: {
        tags: [],
        fields: {
          sent: { type: "integer", unit: "count", counter: true, description: "sent since start" },
          queued: { type: "integer", unit: "count", counter: false },
        },
      },
    } as const;
    const table = renderMeasurements(declarations);
    expect(table).toContain("| counter | `sent` | integer | count | sent since start |");
    expect(table).toContain("| field | `queued` | integer | count |  |");
    expect(catalogueMeasurements(declarations)[0]!.fields).toEqual([
      { name: "sent", type: "integer", unit: "count", description: "sent since start", counter: true },
      { name: "queued", type: "integer", unit: "count" },
    ]);
  });

  it("writes the same declarations as JSON for the gateway, in declaration order", () => {
    expect(
      catalogueMeasurements({
        demo_x: {
          description: "Demo.",
          tags: ["host"],
          fields: { ms: { type: "float", unit: "ms", description: "time" }, ok: "boolean" },
        },
      }),
    ).toEqual([
      {
        name: "demo_x",
        description: "Demo.",
        tags: [{ name: "host" }],
        fields: [
          { name: "ms", type: "float", unit: "ms", description: "time" },
          { name: "ok", type: "boolean" },
        ],
      },
    ]);
  });

  it("replaces only the text between the markers", () => {
    const readme = "# x\n<!-- metrics:start -->\nold\n<!-- metrics:end -->\ntail\n";
    expect(replaceMetricsSection(readme, "NEW")).toMatch(
      /^# x\n<!-- metrics:start -->\n.*\n\nNEW\n\n<!-- metrics:end -->\ntail\n$/s,
    );
    expect(replaceMetricsSection("# no markers", "NEW")).toBeUndefined();
  });

  it("every collector README and docs/metrics.md match the declarations (run npm run docs)", () => {
    // Runs on the built collectors, which `npm test` builds first.
    expect(() => execFileSync(process.execPath, [script, "--check"], { stdio: "pipe" })).not.toThrow();
  });
});
