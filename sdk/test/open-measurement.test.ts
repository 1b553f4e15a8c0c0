import { describe, expect, it } from "vitest";
import { checkDeclarations, renderMeasurements } from "../src/docs/index.js";
import { collectOnce, defineCollector, type PointBuilder } from "../src/index.js";

const measurements = {
  demo_scrape: {
    description: "samples named at run time",
    tags: { target: "where from" },
    fields: {},
    open: { tags: "the sample's labels", fields: "the metric's name" },
  },
  demo_fixed: { tags: { target: "where from" }, fields: { up: "integer" } },
} as const;

// The test writes measurements by a name it picks at run time, as a scraper does.
type PointByName = (measurement: keyof typeof measurements) => PointBuilder;

function collector(write: (point: PointByName) => void) {
  return defineCollector({
    name: "demo",
    interval: "10s",
    measurements,
    collect: (ctx) => write((measurement) => ctx.point(measurement) as PointBuilder),
  });
}

describe("an open measurement", () => {
  it("takes undeclared tags and fields of any type, and writes the tags sorted among the SDK's", async () => {
    const points = await collectOnce(
      collector((point) => {
        point("demo_scrape")
          .tag("target", "app")
          .tag("zone", "b")
          .tag("code", "200")
          .tag("path", "a b,c=d")
          .float("http_requests_total", 3)
          .integer("count", 2)
          .string("state", "ok")
          .boolean("ready", true);
      }),
    );
    expect(points.lines[0]).toMatch(
      /^demo_scrape,code=200,org=platform,path=a\\ b\\,c\\=d,source=demo,target=app,zone=b http_requests_total=3,count=2i,state="ok",ready=true \d+$/,
    );
    expect(points.find((p) => p.measurement === "demo_scrape")!.fields.count).toEqual({
      type: "integer",
      value: 2n,
    });
  });

  it("does not let a tag named org, source or cluster through: the point is dropped and reported", async () => {
    const result = await collectOnce(
      collector((point) => {
        point("demo_scrape").tag("org", "evil").float("x", 1);
        point("demo_scrape").tag("le", "0.5").float("x", 1);
      }),
      {},
      { strict: false },
    );
    expect(result).toHaveLength(1);
    expect(result[0]!.tags).toMatchObject({ org: "platform", le: "0.5" });
    expect(result.problems.map((p) => p.kind)).toEqual(["undeclared_tag"]);
  });

  it("leaves a closed measurement closed", async () => {
    const result = await collectOnce(
      collector((point) => {
        point("demo_fixed").tag("target", "a").tag("extra", "x").integer("up", 1);
        point("demo_fixed").tag("target", "b").integer("up", 1).float("extra", 1);
      }),
      {},
      { strict: false },
    );
    expect(result.problems.map((p) => p.kind).sort()).toEqual(["undeclared_field", "undeclared_tag"]);
  });

  it("may declare no fields, and its table says what the open tags and fields are", () => {
    expect(checkDeclarations(measurements)).toEqual([]);
    expect(checkDeclarations({ demo_empty: { tags: [], fields: {} } })).toEqual([
      "demo_empty: declares no fields",
    ]);
    const table = renderMeasurements(measurements);
    expect(table).toContain("| tag | *any* | string | | the sample's labels |");
    expect(table).toContain("| field | *any* | any | | the metric's name |");
  });
});
