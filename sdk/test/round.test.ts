import { describe, expect, it } from "vitest";
import { parseLine } from "../src/line-protocol/parse.js";
import { outputLines, RoundRecorder } from "../src/runtime/round.js";

const declarations = {
  demo_reading: { tags: ["sensor"], fields: { value: "float", count: "integer" } },
} as const;
const tags = { org: "acme", source: "demo" };

// A round encodes each point when the next one starts; these check that a point changed later
// (the pattern of a collector that starts its points, then awaits the readings) comes out whole, once.
describe("round recorder", () => {
  it("takes back a point encoded early when it changes, and writes it once, whole", () => {
    const round = new RoundRecorder(1n, declarations, { tags });
    const first = round.point("demo_reading").tag("sensor", "a").float("value", 1);
    const second = round.point("demo_reading").tag("sensor", "b");
    round.point("demo_reading").tag("sensor", "c").float("value", 3);
    first.integer("count", 7);
    second.float("value", 2);
    const output = round.finish();
    const points = outputLines(output, "acme").map((line) => parseLine(line));
    expect(output.count).toBe(3);
    expect(points.map((p) => [p.tags.sensor, Object.keys(p.fields).sort()])).toEqual(
      expect.arrayContaining([
        ["a", ["count", "value"]],
        ["b", ["value"]],
        ["c", ["value"]],
      ]),
    );
    expect(points).toHaveLength(3);
  });

  it("keeps every point of a large round, in chunks, and reports problems found late", () => {
    const round = new RoundRecorder(1n, declarations, { tags });
    for (let i = 0; i < 1000; i++) round.point("demo_reading").tag("sensor", `s${i}`).integer("count", i);
    const late = round.point("demo_reading").tag("sensor", "late").float("value", 1);
    round.point("demo_reading").float("value", 2);
    late.float("value", Number.NaN);
    const output = round.finish();
    expect(output.chunksByOrg.get("acme")!.length).toBeGreaterThan(1);
    expect(output.count).toBe(1002);
    const lines = outputLines(output, "acme");
    expect(lines.map((line) => parseLine(line).fields.count?.value).slice(0, 1000)).toEqual(
      Array.from({ length: 1000 }, (_, i) => BigInt(i)),
    );
    expect(output.problems.map((p) => p.kind)).toEqual(["non_finite"]);
    // The late point keeps its first value: the NaN is dropped (and counted), not the point.
    expect(lines.some((line) => line.includes("sensor=late") && line.includes("value=1"))).toBe(true);
  });

  it("shows a point's own tags and typed fields while it is being built", () => {
    const round = new RoundRecorder(5n, declarations, { tags });
    const point = round.point("demo_reading").tag("sensor", "a b").float("value", 1.5).integer("count", 2);
    expect(point.tags).toEqual({ sensor: "a b" });
    expect(point.toPoint()).toEqual({
      measurement: "demo_reading",
      tags: { sensor: "a b" },
      fields: { value: { type: "float", value: 1.5 }, count: { type: "integer", value: 2n } },
      timestamp: 5n,
    });
    expect(outputLines(round.finish())).toEqual([
      "demo_reading,org=acme,sensor=a\\ b,source=demo value=1.5,count=2i 5",
    ]);
  });

  it("ignores points built after the round was sealed (timed out)", () => {
    const round = new RoundRecorder(1n, declarations, { tags });
    round.point("demo_reading").float("value", 1);
    round.seal();
    round.point("demo_reading").float("value", 2);
    expect(outputLines(round.finish())).toEqual(["demo_reading,org=acme,source=demo value=1 1"]);
  });

  it("ignores points built after the round's signal was aborted", () => {
    const controller = new AbortController();
    const round = new RoundRecorder(1n, declarations, { tags, signal: controller.signal });
    round.point("demo_reading").float("value", 1);
    controller.abort(new Error("round 1 timed out"));
    round.point("demo_reading").float("value", 2);
    expect(outputLines(round.finish())).toEqual(["demo_reading,org=acme,source=demo value=1 1"]);
  });
});
