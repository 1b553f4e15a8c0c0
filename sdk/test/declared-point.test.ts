import { describe, expect, it } from "vitest";
import type { Point } from "../src/line-protocol/types.js";
import type { MeasurementDeclarations } from "../src/measurements.js";
import { checkPoint, declaredLine } from "../src/service/declared-point.js";

const declarations = {
  pm_thing: { tags: ["replica"], fields: { up: "boolean", count: { type: "integer", unit: "count" } } },
} satisfies MeasurementDeclarations;

const good: Point = {
  measurement: "pm_thing",
  tags: { org: "platform", source: "thing", replica: "a" },
  fields: { up: { type: "boolean", value: true }, count: { type: "integer", value: 2n } },
  timestamp: 5n,
};

describe("a service's own points against their declarations", () => {
  it("encodes a point that matches, with the reserved tags", () => {
    expect(checkPoint(declarations, good)).toEqual([]);
    expect(declaredLine(declarations, good)).toBe(
      "pm_thing,org=platform,replica=a,source=thing up=true,count=2i 5",
    );
  });

  it("names every undeclared measurement, tag, field and wrong type", () => {
    expect(checkPoint(declarations, { ...good, measurement: "pm_other" })).toEqual([
      'measurement "pm_other" is not declared',
    ]);
    const bad: Point = {
      ...good,
      tags: { ...good.tags, host: "h" },
      fields: { up: { type: "integer", value: 1n }, extra: { type: "float", value: 1 } },
    };
    expect(checkPoint(declarations, bad)).toEqual([
      'pm_thing: tag "host" is not declared',
      "pm_thing.up: declared boolean, got integer",
      'pm_thing: field "extra" is not declared',
    ]);
    expect(() => declaredLine(declarations, bad)).toThrow(/breaks its declarations: pm_thing: tag "host"/);
  });
});
