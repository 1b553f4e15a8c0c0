import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type CollectContext, defineCollector } from "../src/collector.js";
import { defineMeasurements, type MeasurementDeclarations } from "../src/measurements.js";
import { collectOnce } from "../src/testkit.js";

const measurements = {
  demo_reading: {
    description: "a test measurement",
    tags: ["sensor"],
    fields: { value: "float", count: "integer", big: "unsigned", label: "string", up: "boolean" },
  },
} as const;

function collectorThat(collect: (ctx: CollectContext<object, unknown, typeof measurements>) => void) {
  return defineCollector({ name: "demo", interval: "10s", measurements, collect });
}

describe("defineCollector", () => {
  it("refuses bad names and declarations at definition time", () => {
    const define = (overrides: object) => () =>
      defineCollector({ name: "demo", interval: "10s", measurements, collect() {}, ...overrides });
    expect(define({ name: "Demo Collector" })).toThrow(/name "Demo Collector"/);
    expect(define({ interval: "often" })).toThrow(/interval "often"/);
    expect(define({ measurements: { Bad: { tags: [], fields: { v: "float" } } } })).toThrow(
      /snake_case with a domain prefix/,
    );
    expect(define({ measurements: { demo_x: { tags: ["org"], fields: { v: "float" } } } })).toThrow(
      /tag org is added by the SDK/,
    );
    for (const reserved of ["org", "source", "cluster"]) {
      expect(define({ measurements: { demo_x: { tags: [], fields: { [reserved]: "string" } } } })).toThrow(
        `demo_x: field ${reserved} has the name of a tag the SDK adds`,
      );
    }
    expect(define({ measurements: { demo_x: { tags: [], fields: {} } } })).toThrow(/declares no fields/);
    expect(define({ measurements: { demo_x: { tags: [], fields: { v: "double" } } } })).toThrow(
      /type "double"/,
    );
    // A unit outside the closed list (a JavaScript caller, or a cast) is refused by name.
    const fields = (v: object) => ({ measurements: { demo_x: { tags: [], fields: { v } } } });
    expect(define(fields({ type: "float", unit: "MB" }))).toThrow(/demo_x.v: unit "MB" is not one of bytes,/);
    expect(define(fields({ type: "string", unit: "bytes" }))).toThrow(/a string field has no unit/);
    expect(define(fields({ type: "float", unit: "bytes/s" }))).not.toThrow();
  });

  it("takes a counter of a number in a unit of a total, and refuses any other by field", () => {
    // As a JavaScript caller (or a cast) may write it: the checks, not the types, refuse it.
    const measurementsWith = (v: object): object => ({
      measurements: { demo_x: { tags: [], fields: { v } } },
    });
    const define = (v: object) => () =>
      defineCollector({ name: "demo", interval: "10s", measurements, collect() {}, ...measurementsWith(v) });
    expect(define({ type: "integer", unit: "count", counter: true })).not.toThrow();
    expect(define({ type: "float", unit: "s", counter: true })).not.toThrow();
    expect(define({ type: "unsigned", counter: true })).not.toThrow();
    expect(define({ type: "float", unit: "bytes/s", counter: false })).not.toThrow();
    expect(define({ type: "string", counter: true })).toThrow(/demo_x.v: a string field cannot be a counter/);
    expect(define({ type: "boolean", counter: true })).toThrow(
      /demo_x.v: a boolean field cannot be a counter/,
    );
    for (const unit of ["bytes/s", "ops/s", "percent", "watts", "celsius"])
      expect(define({ type: "float", unit, counter: true }), unit).toThrow(
        `demo_x.v: unit ${unit} is a value at a moment, not a total`,
      );
    // Only true or false is a flag.
    expect(define({ type: "integer", counter: "yes" })).toThrow(
      /demo_x.v: counter "yes" is not true or false/,
    );
  });

  it("are checked by defineMeasurements as by defineCollector (the relay's and gateway's own go through it)", () => {
    const declare = (v: object) => () =>
      defineMeasurements({ demo_x: { tags: [], fields: { v } } } as unknown as MeasurementDeclarations);
    expect(declare({ type: "integer", unit: "count", counter: true })).not.toThrow();
    expect(declare({ type: "string", counter: true })).toThrow(
      /bad measurement declarations: demo_x.v: a string field cannot be a counter/,
    );
    expect(declare({ type: "float", unit: "MB" })).toThrow(/demo_x.v: unit "MB" is not one of bytes,/);
  });
});

describe("points", () => {
  it("carries typed fields, the declared tags and the SDK's org and source tags", async () => {
    const points = await collectOnce(
      collectorThat((ctx) => {
        ctx
          .point("demo_reading")
          .tag("sensor", "s1")
          .float("value", 1.5)
          .integer("count", 3)
          .unsigned("big", 2n ** 64n - 1n)
          .string("label", 'a "quoted", spaced=label\nline two')
          .boolean("up", true);
      }),
      {},
      { env: { PM_ORG: "acme", PM_CLUSTER: "eu-1" } },
    );
    expect(points).toHaveLength(1);
    expect(points[0]).toMatchObject({
      measurement: "demo_reading",
      tags: { sensor: "s1", org: "acme", source: "demo", cluster: "eu-1" },
      fields: {
        value: { type: "float", value: 1.5 },
        count: { type: "integer", value: 3n },
        big: { type: "unsigned", value: 18446744073709551615n },
        up: { type: "boolean", value: true },
      },
    });
    expect(typeof points[0]!.timestamp).toBe("bigint");
    expect(points.lines[0]).toBe(
      `demo_reading,cluster=eu-1,org=acme,sensor=s1,source=demo value=1.5,count=3i,big=18446744073709551615u,label="a \\"quoted\\", spaced=label\nline two",up=true ${points[0]!.timestamp}`,
    );
  });

  it("lets a point choose its org", async () => {
    const points = await collectOnce(
      collectorThat((ctx) => void ctx.point("demo_reading").org("globex").float("value", 1)),
    );
    expect(points[0]!.tags.org).toBe("globex");
  });

  it("drops NaN and Infinity fields but keeps the rest of the point", async () => {
    const points = await collectOnce(
      collectorThat(
        (ctx) =>
          void ctx
            .point("demo_reading")
            .float("value", Number.NaN)
            .integer("count", Number.POSITIVE_INFINITY)
            .boolean("up", true),
      ),
      {},
      { strict: false },
    );
    expect(points).toHaveLength(1);
    expect(Object.keys(points[0]!.fields)).toEqual(["up"]);
    expect(points.problems.map((p) => p.kind)).toEqual(["non_finite", "non_finite"]);
    expect(points.problems.every((p) => !p.pointDropped)).toBe(true);
  });

  it("drops a point that has no fields left, and counts it", async () => {
    const points = await collectOnce(
      collectorThat((ctx) => {
        ctx.point("demo_reading").tag("sensor", "empty");
        ctx.point("demo_reading").float("value", Number.NaN);
        ctx.point("demo_reading").float("value", 2);
      }),
      {},
      { strict: false },
    );
    expect(points).toHaveLength(1);
    expect(points.problems.filter((p) => p.kind === "no_fields")).toHaveLength(2);
  });

  it("drops wrong types, undeclared fields, tags and measurements, with a reason each", async () => {
    const points = await collectOnce(
      collectorThat((ctx) => {
        // @ts-expect-error: undeclared on purpose; the round must drop it at run time too
        ctx.point("demo_reading").integer("value", 1).float("count", 1.5).float("extra", 1).float("value", 2);
        // @ts-expect-error: undeclared on purpose; the round must drop it at run time too
        ctx.point("demo_reading").tag("room", "kitchen").float("value", 1);
        // @ts-expect-error: undeclared on purpose; the round must drop it at run time too
        ctx.point("demo_unknown").float("value", 1);
        ctx
          .point("demo_reading")
          .integer("count", 1.5)
          .unsigned("big", -1)
          .string("label", 42 as unknown as string);
        ctx.point("demo_reading").org("Not An Org").float("value", 1);
      }),
      {},
      { strict: false },
    );
    expect(points).toHaveLength(1);
    expect(points[0]!.fields).toEqual({ value: { type: "float", value: 2 } });
    const messages = points.problems.map((p) => `${p.kind}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^field_type: demo_reading.count: declared integer, written as float/),
        expect.stringMatching(/^undeclared_field: .*"extra"/),
        expect.stringMatching(/^undeclared_tag: .*"room"/),
        expect.stringMatching(/^undeclared_measurement: .*"demo_unknown"/),
        expect.stringMatching(/^invalid_value: expected a whole number for integer field count, got 1.5/),
        expect.stringMatching(/^invalid_value: unsigned field big is negative/),
        expect.stringMatching(/^invalid_value: expected a string for string field/),
        expect.stringMatching(/^invalid_org: .*"Not An Org"/),
      ]),
    );
  });

  it("writes whole numbers beyond 2^53 exactly and refuses those beyond 64 bits", async () => {
    const points = await collectOnce(
      collectorThat((ctx) => {
        ctx
          .point("demo_reading")
          .tag("sensor", "big")
          .integer("count", 2 ** 60)
          .unsigned("big", 1e19);
        ctx
          .point("demo_reading")
          .tag("sensor", "huge")
          .integer("count", 2 ** 63)
          .float("value", 1);
      }),
      {},
      { strict: false },
    );
    expect(points.lines[0]).toContain("count=1152921504606846976i,big=10000000000000000000u");
    expect(points[1]!.fields.count).toBeUndefined();
    expect(points.problems.map((p) => p.kind)).toEqual(["invalid_value"]);
  });

  it("refuses a tag value line protocol cannot carry, without losing the other points", async () => {
    const points = await collectOnce(
      collectorThat((ctx) => {
        ctx.point("demo_reading").tag("sensor", "two\nlines").float("value", 1);
        ctx.point("demo_reading").tag("sensor", "ok").float("value", 2);
      }),
      {},
      { strict: false },
    );
    expect(points.map((p) => p.tags.sensor)).toEqual(["ok"]);
    expect(points.problems[0]!.kind).toBe("unencodable");
  });

  it("collectOnce is strict by default so tests see every broken declaration", async () => {
    await expect(
      // @ts-expect-error: undeclared on purpose; the round must drop it at run time too
      collectOnce(collectorThat((ctx) => void ctx.point("demo_reading").float("nope", 1))),
    ).rejects.toThrow(/field "nope" is not declared/);
  });

  it("runs the refinements of the collector's config, naming the variables", async () => {
    const collector = defineCollector({
      name: "ranged",
      interval: "1s",
      config: z
        .object({ low: z.number().default(0), high: z.number().default(10) })
        .refine((c) => c.low < c.high, { message: "expected below PM_HIGH", path: ["low"] })
        .superRefine((c, ctx) => {
          if (c.high > 100)
            ctx.addIssue({ code: "custom", message: "PM_HIGH above 100 needs PM_LOW above 0" });
        }),
      measurements: { demo_counter: { tags: [], fields: { n: "integer" } } },
      collect: (ctx) => void ctx.point("demo_counter").integer("n", ctx.config.high - ctx.config.low),
    });
    await expect(collectOnce(collector, {}, { env: { PM_LOW: "20" } })).rejects.toThrow(
      /PM_LOW: expected below PM_HIGH/,
    );
    await expect(collectOnce(collector, { high: 200 })).rejects.toThrow(
      /invalid configuration:\n {2}PM_HIGH above 100 needs PM_LOW above 0$/,
    );
    expect((await collectOnce(collector, { low: 1 }))[0]!.fields.n).toEqual({ type: "integer", value: 9n });
  });

  it("passes the resolved config, common settings included, to validate", async () => {
    const seen: number[] = [];
    const collector = defineCollector({
      name: "checked",
      interval: "1s",
      config: z.object({ limit: z.number().default(5) }),
      validate: (config) => {
        seen.push(config.interval);
        return config.interval > config.limit * 1000 ? ["PM_INTERVAL: longer than PM_LIMIT seconds"] : [];
      },
      measurements: { demo_counter: { tags: [], fields: { n: "integer" } } },
      collect: (ctx) => void ctx.point("demo_counter").integer("n", ctx.config.limit),
    });
    await expect(collectOnce(collector, {}, { env: { PM_INTERVAL: "10s" } })).rejects.toThrow(
      "PM_INTERVAL: longer than PM_LIMIT seconds",
    );
    expect(await collectOnce(collector)).toHaveLength(1);
    expect(seen).toEqual([10_000, 1000]);
  });

  it("validates the collector's own config and passes setup state to collect", async () => {
    const collector = defineCollector({
      name: "stateful",
      interval: "1s",
      config: z.object({ start: z.number().int() }),
      measurements: { demo_counter: { tags: [], fields: { n: "integer" } } },
      setup: (ctx) => ({ n: ctx.config.start }),
      collect: (ctx) => void ctx.point("demo_counter").integer("n", ctx.state.n + 1),
    });
    const points = await collectOnce(collector, { start: 41 });
    expect(points[0]!.fields.n).toEqual({ type: "integer", value: 42n });
    await expect(collectOnce(collector, { start: "x" as unknown as number })).rejects.toThrow(/start: /);
  });
});
