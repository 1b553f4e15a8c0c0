// Compiled by types.test.ts (never run): each `@ts-expect-error` is a mistake the SDK's types must
// catch. If the typing regresses, the directive is unused and the compile fails.
import {
  type CollectContext,
  collectOnce,
  defineCollector,
  defineMeasurements,
  type PointBuilder,
  type PointFunction,
  z,
} from "../../src/index.js";

const collector = defineCollector({
  name: "typed",
  interval: "10s",
  config: z.object({ room: z.string().default("hall"), limit: z.number().default(3) }),
  // Written in place, without `as const`.
  measurements: {
    demo_reading: {
      tags: ["sensor", "room"],
      fields: { value: "float", count: "integer", big: "unsigned", label: "string", up: "boolean" },
    },
    demo_status: { tags: { site: "where it is" }, fields: { ok: { type: "boolean" } } },
  },
  setup: (ctx) => ({ started: ctx.config.interval }),
  collect(ctx) {
    const room: string = ctx.config.room;
    const limit: number = ctx.config.limit;
    const interval: number = ctx.config.interval;
    const org: string = ctx.config.org;
    const started: number = ctx.state.started;
    ctx
      .point("demo_reading")
      .tag("sensor", "s1")
      .tag("room", room)
      .float("value", 1.5)
      .integer("count", limit)
      .unsigned("big", 2n)
      .string("label", org)
      .boolean("up", true)
      .at(ctx.timestamp);
    ctx
      .point("demo_status")
      .tag("site", "a")
      .boolean("ok", interval > started);

    // @ts-expect-error: no such measurement
    ctx.point("demo_typo");
    // @ts-expect-error: tag not declared for this measurement
    ctx.point("demo_reading").tag("site", "a");
    // @ts-expect-error: count is an integer field
    ctx.point("demo_reading").float("count", 1.5);
    // @ts-expect-error: value is a float field
    ctx.point("demo_reading").integer("value", 1);
    // @ts-expect-error: not a field of demo_status
    ctx.point("demo_status").boolean("up", true);
    // @ts-expect-error: a string field takes a string
    ctx.point("demo_reading").string("label", 42);
    // @ts-expect-error: no such setting
    void ctx.config.rooms;
  },
});

// Declared in their own file, measurements keep their types through defineMeasurements.
const measurements = defineMeasurements({
  demo_other: { tags: ["node"], fields: { load: { type: "float", unit: "percent" } } },
});
type OtherContext = CollectContext<{ node: string }, undefined, typeof measurements>;
export function collectOther(ctx: OtherContext): void {
  const point: PointFunction<typeof measurements> = (name) => ctx.point(name);
  point("demo_other").tag("node", ctx.config.node).float("load", 0.5);
  // @ts-expect-error: load is a float field
  point("demo_other").unsigned("load", 1);
}

// A helper written for any builder (plain \`PointBuilder\`, untyped as before) takes a typed one.
function tagged(builder: PointBuilder): PointBuilder {
  return builder.tag("anything", "x");
}
export const fromHelper = (ctx: OtherContext) => tagged(ctx.point("demo_other"));

// A context typed by hand without measurements (as collectors wrote them before) still fits.
const loose = (ctx: CollectContext<{ room: string }, { started: number }>) =>
  void ctx.point("anything").tag("any", "x").float("any", 1);
export const looseCollector = defineCollector({
  name: "loose",
  interval: "10s",
  config: z.object({ room: z.string() }),
  measurements: { demo_reading: { tags: [], fields: { value: "float" } } },
  setup: () => ({ started: 1 }),
  collect: loose,
});

export async function readPoints(): Promise<number> {
  const points = await collectOnce(collector);
  const reading = points.find((p) => p.measurement === "demo_reading");
  const count: bigint | undefined = reading?.fields.count?.value;
  const sensor: string | undefined = reading?.tags.sensor;
  const org: string | undefined = reading?.tags.org;
  // @ts-expect-error: an integer field's value is a bigint
  const wrong: number | undefined = reading?.fields.count?.value;
  // @ts-expect-error: demo_reading has no field ok
  void reading?.fields.ok;
  // @ts-expect-error: demo_reading has no tag site
  void reading?.tags.site;
  return Number(count) + String(sensor).length + String(org).length + Number(wrong);
}

// @ts-expect-error: interval is required
defineCollector({ name: "no-interval", measurements: {}, collect() {} });
