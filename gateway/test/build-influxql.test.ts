import { describe, expect, it } from "vitest";
import {
  buildQuery,
  needsSeriesCount,
  quoteIdentifier,
  quoteString,
  seriesCountQuery,
} from "../src/query/build-influxql.js";
import { toCsv } from "../src/query/response.js";
import { querySchema } from "../src/query/schema.js";
import { parseTimeSpec } from "../src/query/time-range.js";

const NOW = 1_800_000_000_000_000_000n;
const limits = { maxRangeNs: 24n * 3_600_000_000_000n, maxPoints: 1000 };
const build = (body: object, org = "acme") => buildQuery(querySchema.parse(body), org, limits, NOW);

describe("InfluxQL building", () => {
  it("escapes quotes and backslashes in identifiers and literals", () => {
    expect(quoteIdentifier('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteString("it's \\")).toBe("'it\\'s \\\\'");
    expect(quoteIdentifier('x" OR 1=1 --')).toBe('"x\\" OR 1=1 --"');
  });

  it("pins every query to the org and the resolved time range", () => {
    const { influxql, seriesLimit } = build({
      measurement: "cpu",
      fields: ["usage", "idle"],
      aggregate: "p95",
      every: "5m",
      fill: "none",
      groupBy: ["host"],
      where: { dc: ["eu", "us"], rack: "r'1" },
      range: { from: "-1h" },
    });
    expect(influxql).toBe(
      `SELECT PERCENTILE("usage", 95) AS "usage", PERCENTILE("idle", 95) AS "idle" FROM "cpu" ` +
        `WHERE "org"::tag = 'acme' AND ("dc"::tag = 'eu' OR "dc"::tag = 'us') AND "rack"::tag = 'r\\'1' ` +
        `AND time >= ${NOW - 3_600_000_000_000n} AND time <= ${NOW} ` +
        `GROUP BY time(5m), "host" fill(none) LIMIT 1001 SLIMIT 77`,
    );
    expect(seriesLimit).toBe(1000);
  });

  it("keeps a hostile org-looking value inside its literal", () => {
    const { influxql } = build({
      measurement: "cpu",
      fields: ["v"],
      where: { host: "x' OR \"org\" = 'globex" },
      range: { from: "-1h" },
    });
    expect(influxql).toContain(`"host"::tag = 'x\\' OR "org" = \\'globex'`);
    expect(influxql.match(/"org"::tag = '/g)).toHaveLength(1);
  });

  it("bounds what InfluxDB sends before asking: SLIMIT for aggregates, LIMIT from the series count for raw points", () => {
    const aggregate = { measurement: "m", fields: ["v"], aggregate: "max", groupBy: ["host"] };
    // 1h in 1m buckets: 61 points per series, so 16 series fit in 1000 points; SLIMIT asks for one more.
    const bucketed = build({ ...aggregate, every: "1m", range: { from: "-1h" } });
    expect(bucketed.influxql).toMatch(/ LIMIT 1001 SLIMIT 17$/);
    expect(bucketed.maxSeries).toBe(16);
    expect(build({ ...aggregate, range: { from: "-1h" } }).influxql).toMatch(/ SLIMIT 1001$/);
    expect(build({ ...aggregate, groupBy: [], range: { from: "-1h" } }).influxql).not.toContain("SLIMIT");

    const raw = querySchema.parse({
      measurement: "m",
      fields: ["v"],
      groupBy: ["host"],
      range: { from: "-1h" },
    });
    expect(needsSeriesCount(raw)).toBe(true);
    expect(needsSeriesCount({ ...raw, groupBy: [] })).toBe(false);
    expect(seriesCountQuery({ ...raw, where: { dc: ["eu", "us"] } }, "acme")).toBe(
      `SHOW SERIES EXACT CARDINALITY FROM "m" WHERE "org"::tag = 'acme' AND ("dc"::tag = 'eu' OR "dc"::tag = 'us')`,
    );
    expect(buildQuery(raw, "acme", limits, NOW, 40).influxql).toMatch(/ LIMIT 26$/);
    expect(buildQuery({ ...raw, limit: 5 }, "acme", limits, NOW, 40).influxql).toMatch(/ LIMIT 6$/);
    expect(() => buildQuery(raw, "acme", limits, NOW, 1001)).toThrow(
      /too many points: the query reads 1001 series; at most 1000 points/,
    );
  });

  it("escapes CSV cells that a spreadsheet would run as a formula, and leaves numbers alone", () => {
    const csv = toCsv({
      series: [
        {
          measurement: "m",
          tags: { host: '=HYPERLINK("http://x")' },
          columns: ["time", "a", "b", "c", "d"],
          values: [["2026-01-01T00:00:00Z", "+1", "-2", "@SUM(A1)", -3.5]],
        },
      ],
      meta: { replica: "a", truncated: false },
    });
    expect(csv.split("\r\n")[1]).toBe(
      `m,"'=HYPERLINK(""http://x"")",2026-01-01T00:00:00Z,'+1,'-2,'@SUM(A1),-3.5`,
    );
  });

  it("writes numeric fill values as plain decimals", () => {
    const fill = (value: number) =>
      build({
        measurement: "m",
        fields: ["v"],
        aggregate: "mean",
        every: "1m",
        fill: value,
        range: { from: "-1h" },
      }).influxql;
    expect(fill(-3)).toContain("fill(-3)");
    expect(fill(0.0000001)).toContain("fill(0.0000001)");
  });

  it("uses the caller's limit below the maximum", () => {
    expect(build({ measurement: "m", fields: ["v"], limit: 5, range: { from: "-1h" } }).influxql).toMatch(
      /LIMIT 6$/,
    );
    expect(build({ measurement: "m", fields: ["v"], limit: 5000, range: { from: "-1h" } }).seriesLimit).toBe(
      1000,
    );
  });

  it.each([
    [{ from: "-25h" }, /range spans 25h; at most 1d is allowed/],
    [{ from: "-1h", to: "-2h" }, /range.from must be before range.to/],
    [{ from: "yesterday" }, /range.from "yesterday": expected now, a relative time/],
    [{ from: "-1h", to: "2026-02-30T00:00:00Z" }, /range.to "2026-02-30T00:00:00Z"/],
  ])("refuses the range %j", (range, message) => {
    expect(() => build({ measurement: "m", fields: ["v"], range })).toThrow(message);
  });

  it("asks a rate as the non-negative per-second derivative of each bucket's max, bounded like any aggregate", () => {
    const rate = {
      measurement: "pm_relay",
      fields: ["points_written", "errors"],
      aggregate: "rate",
      every: "1m",
      fill: "null",
      groupBy: ["replica"],
      where: { replica: ["a", "b"] },
      range: { from: "-1h" },
    };
    const built = build(rate);
    expect(built.influxql).toBe(
      `SELECT NON_NEGATIVE_DERIVATIVE(MAX("points_written"), 1s) AS "points_written", ` +
        `NON_NEGATIVE_DERIVATIVE(MAX("errors"), 1s) AS "errors" FROM "pm_relay" ` +
        `WHERE "org"::tag = 'acme' AND ("replica"::tag = 'a' OR "replica"::tag = 'b') ` +
        `AND time >= ${NOW - 3_600_000_000_000n} AND time <= ${NOW} ` +
        `GROUP BY time(1m), "replica" fill(null) LIMIT 1001 SLIMIT 17`,
    );
    // The same buckets, and so the same bounds, as max.
    const max = build({ ...rate, aggregate: "max" });
    expect([built.maxSeries, built.pointsPerSeries]).toEqual([max.maxSeries, max.pointsPerSeries]);
    expect(() => build({ ...rate, every: "1s" })).toThrow(/too many points: 1h in buckets of 1s gives 3601/);
    expect(build({ ...rate, fill: "linear" }).influxql).toContain(" fill(linear) ");
  });

  it("refuses more buckets than the point limit", () => {
    expect(() =>
      build({ measurement: "m", fields: ["v"], aggregate: "mean", every: "1s", range: { from: "-1h" } }),
    ).toThrow(/too many points: 1h in buckets of 1s gives 3601; at most 1000/);
  });

  it.each([
    [{ every: "1m" }, /every needs an aggregate/],
    [{ aggregate: "mean", fill: "none" }, /fill needs every/],
    [{ aggregate: "mean", every: "5 minutes" }, /expected a duration like 10s/],
    [{ aggregate: "p42" }, /aggregate/],
    [{ aggregate: "rate" }, /"every".*aggregate rate needs every: the per-second increase/],
    [{ aggregate: "rate", every: "1m", fill: "previous" }, /aggregate rate takes fill null, none or linear/],
    [{ aggregate: "rate", every: "1m", fill: 0 }, /aggregate rate takes fill null, none or linear, not 0/],
    [{ where: { org: "globex" } }, /the org is set by the org field/],
    [{ fields: [] }, /at least one field/],
    [{ fields: ["a\nb"] }, /control characters/],
    [{ fields: ["v\ud800"] }, /lone UTF-16 surrogates/],
    [{ where: { host: "\udc00x" } }, /lone UTF-16 surrogates/],
    [{ range: { from: "-1h\ud800" } }, /lone UTF-16 surrogates/],
    [{ org: "\ud800" }, /lone UTF-16 surrogates/],
    [{ fields: ["v", "org"] }, /org is a tag/],
    [{ fields: ["cluster"] }, /cluster is a tag/],
    [{ query: "SELECT * FROM cpu" }, /Unrecognized key/],
  ])("refuses the body %j", (extra, message) => {
    const result = querySchema.safeParse({
      measurement: "m",
      fields: ["v"],
      range: { from: "-1h" },
      ...extra,
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error!.issues)).toMatch(message);
  });
});

describe("time specs", () => {
  it("reads now, relative times and RFC 3339 with offsets and nanoseconds", () => {
    expect(parseTimeSpec("now", NOW)).toBe(NOW);
    expect(parseTimeSpec("-90s", NOW)).toBe(NOW - 90_000_000_000n);
    expect(parseTimeSpec("now-2d", NOW)).toBe(NOW - 2n * 86_400_000_000_000n);
    expect(parseTimeSpec("2024-01-01T00:00:00.123456789Z", NOW)).toBe(1_704_067_200_123_456_789n);
    expect(parseTimeSpec("2024-01-01T02:00:00+02:00", NOW)).toBe(1_704_067_200_000_000_000n);
  });

  it.each([
    "",
    "1h",
    "-0h",
    "-1y",
    "now+1h",
    "2024-13-01T00:00:00Z",
    "2024-01-01 00:00:00Z",
    "1500-01-01T00:00:00Z",
  ])("refuses %j", (text) => {
    expect(parseTimeSpec(text, NOW)).toBeUndefined();
  });
});
