import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InfluxQLSyntaxError } from "../src/influxql/lexer.js";
import { parseQuery, UnsupportedStatement } from "../src/influxql/parser.js";
import { printQuery } from "../src/influxql/print.js";
import { QueryRefused, scopeSelect, scopeShow } from "../src/influxql/scope.js";
import { statements } from "./helpers/influxql-arbitraries.js";

// parse -> print -> parse gives the same tree, for trees fast-check builds from every node kind, names
// and strings with quotes, backslashes, newlines and any Unicode included.
describe("InfluxQL grammar (fast-check)", () => {
  it("parses what it prints back into the same tree, and prints that the same way", () => {
    fc.assert(
      fc.property(statements, (tree) => {
        const printed = printQuery(tree);
        const reparsed = parseQuery(printed);
        expect(reparsed).toEqual(tree);
        expect(printQuery(reparsed)).toBe(printed);
      }),
      { numRuns: 1500 },
    );
  });

  it("never throws anything but a syntax error or a refusal on any text", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 60 }),
          statements.map((tree) => printQuery(tree).slice(0, 80)),
        ),
        (q) => {
          try {
            const tree = parseQuery(q);
            expect(parseQuery(printQuery(tree))).toEqual(tree);
          } catch (error) {
            expect(error instanceof InfluxQLSyntaxError || error instanceof UnsupportedStatement).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("InfluxQL numbers", () => {
  it("reads -0.0 as 0, so a query with it prints back to the same tree (found by the property above)", () => {
    const tree = parseQuery("SELECT aa() FROM m WHERE -0.00000");
    expect(tree[0]).toMatchObject({ where: { kind: "number", value: 0 } });
    expect(Object.is((tree[0] as { where: { value: number } }).where.value, -0)).toBe(false);
    expect(parseQuery(printQuery(tree))).toEqual(tree);
  });
});

describe("org scoping", () => {
  const ORG = `"org"::tag = 'acme'`;
  const scoped = (q: string) => {
    const [statement] = parseQuery(q);
    const tree =
      statement!.kind === "select"
        ? scopeSelect(statement!, { org: "acme", now: 10n ** 18n, maxRangeNs: 10n ** 15n }).select
        : scopeShow(statement!, "acme");
    return printQuery([tree]);
  };

  it("ANDs the org onto the WHERE, keeping an OR of the caller's in parentheses", () => {
    expect(scoped(`select * from cpu where time > now() - 1h and (a = 1 or "org" = 'globex')`)).toContain(
      `AND ("a" = 1 OR "org" = 'globex') AND "time" <= 1000000000000000000 AND ${ORG}`,
    );
    expect(scoped(`select * from cpu where time > now() - 1h`)).toBe(
      `SELECT * FROM "cpu" WHERE "time" > now() - 1h AND "time" <= 1000000000000000000 AND ${ORG}`,
    );
  });

  it("scopes every subquery at every level, and only the levels that read measurements", () => {
    const q = scoped(
      `SELECT max(m) FROM (SELECT mean(v) AS m FROM (SELECT * FROM /.*/, "db".."x" WHERE time > now() - 30m) GROUP BY time(1m)) WHERE time > now() - 1h`,
    );
    expect(q.split(ORG)).toHaveLength(2);
    expect(q).toContain(
      `FROM /.*/, "x" WHERE "time" > now() - 30m AND "time" <= 1000000000000000000 AND ${ORG}`,
    );
    // The middle level inherits the outer range, written into it.
    expect(q).toContain(`GROUP BY time(1m)`);
    expect(q.match(/"time" >= 999996400000000001/g)).toHaveLength(1);
  });

  it("scopes the SHOW statements that read series, and drops ON db", () => {
    expect(scoped(`SHOW TAG VALUES ON "pm" FROM cpu WITH KEY = "host" WHERE "region" = 'x'`)).toBe(
      `SHOW TAG VALUES FROM "cpu" WITH KEY = "host" WHERE "region" = 'x' AND ${ORG}`,
    );
    expect(scoped(`SHOW MEASUREMENTS`)).toBe(`SHOW MEASUREMENTS WHERE ${ORG}`);
    expect(scoped(`SHOW SERIES FROM "pm"."autogen"."cpu"`)).toBe(
      `SHOW SERIES FROM "autogen"."cpu" WHERE ${ORG}`,
    );
    expect(scoped(`SHOW TAG KEYS`)).toBe(`SHOW TAG KEYS WHERE ${ORG}`);
  });

  it("needs a time range on the outermost query, within the limit", () => {
    expect(() => scoped(`SELECT * FROM cpu`)).toThrow(QueryRefused);
    expect(() => scoped(`SELECT * FROM cpu WHERE time > now() - 1h OR a = 1`)).toThrow(/time range/);
    expect(() => scoped(`SELECT * FROM cpu WHERE time > now() - 100000h`)).toThrow(/at most/);
    expect(
      scoped(`SELECT * FROM cpu WHERE time >= '2020-01-01T00:00:00Z' AND time <= '2020-01-01 01:00:00'`),
    ).toContain(ORG);
    expect(scoped(`SELECT * FROM cpu WHERE time >= 1577836800000ms and time <= 1577840400000ms`)).toContain(
      ORG,
    );
  });
});

describe("InfluxQL syntax errors", () => {
  it.each([
    [`SELECT`, /expected an expression/],
    [`SELECT * FROM`, /expected a measurement/],
    [`SELECT * FROM "a`, /unterminated quoted identifier/],
    [`SELECT * FROM a WHERE b = /x`, /unterminated regex/],
    [`SELECT * FROM a WHERE b = 'x\\q'`, /bad escape/],
    [`SELECT * FROM a LIMIT 1 LIMIT 2`, /LIMIT given twice/],
    [`SELECT * FROM a.b.c.d`, /at most db.rp.measurement/],
    [`SELECT 99999999999999999999 FROM a`, /out of range/],
    [`SELECT * FROM a ORDER BY host`, /only ORDER BY time/],
    [`SELECT ${"(".repeat(100)}1${")".repeat(100)} FROM a`, /nests deeper/],
    [`SELECT * FROM a WHERE b = 1 c`, /expected ";"/],
    [`SELECT 1x FROM a`, /bad number/],
    [`SELECT * FROM a WHERE ${Array(6000).fill("a = 1").join(" OR ")}`, /more than 5000 operators/],
  ])("%s", (q, message) => {
    expect(() => parseQuery(q)).toThrow(message);
  });
});
