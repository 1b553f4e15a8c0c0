import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type {
  Dimension,
  Expr,
  Fill,
  NameMatch,
  SelectStatement,
  Source,
  Statement,
} from "../src/influxql/ast.js";
import { InfluxQLSyntaxError } from "../src/influxql/lexer.js";
import { parseQuery, UnsupportedStatement } from "../src/influxql/parser.js";
import { printQuery } from "../src/influxql/print.js";
import { QueryRefused, scopeSelect, scopeShow } from "../src/influxql/scope.js";

// parse -> print -> parse gives the same tree, for trees fast-check builds from every node kind, names
// and strings with quotes, backslashes, newlines and any Unicode included.

const text = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 8 }),
  fc.constantFrom("org", 'a"b', "a'b", "a\\b", "x\ny", "--", "/*", "*/", ";", "ｏrg", "time", "SELECT"),
);
const word = fc
  .stringMatching(/^[a-z_][a-z0-9_]{0,6}$/)
  .filter((w) => !["true", "false", "time"].includes(w));
// A regex as the scanner hands it over: a backslash always escapes the next character (never `/`,
// which the scanner turns into `/`), and no pattern starts with `*` (that would open a comment).
const regexPattern = fc
  .array(
    fc.oneof(
      fc.constantFrom("\\d", "\\\\", "/", ".*", "(a|b)", "^", "$", "[^/]", "\\.", "ü", "'", '"', " "),
      fc.string({ maxLength: 3 }).filter((s) => !/[\\\n]/.test(s)),
    ),
    { maxLength: 5 },
  )
  .map((parts) => parts.join(""))
  .filter((p) => !p.startsWith("*"));
const safeNumber = fc
  .double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 })
  .filter((v) => !Object.is(v, -0) && (v === 0 || Math.abs(v) >= 1e-6));
const duration = fc
  .tuple(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom("ns", "u", "ms", "s", "m", "h", "d", "w"))
  .map(([n, unit]) => `${n}${unit}`);

const leaf: fc.Arbitrary<Expr> = fc.oneof(
  fc.record({ kind: fc.constant("var" as const), name: text }, { requiredKeys: ["kind", "name"] }),
  fc.record({
    kind: fc.constant("var" as const),
    name: text,
    cast: fc.constantFrom("tag", "field", "integer", "float", "string", "boolean"),
  }),
  fc.record(
    { kind: fc.constant("wildcard" as const), cast: fc.constantFrom("tag" as const, "field" as const) },
    { requiredKeys: ["kind"] },
  ),
  fc.record({ kind: fc.constant("number" as const), value: safeNumber }),
  fc.record({
    kind: fc.constant("integer" as const),
    value: fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n }),
  }),
  fc.record({
    kind: fc.constant("duration" as const),
    text: fc.oneof(
      duration,
      duration.map((d) => `-${d}`),
    ),
  }),
  fc.record({ kind: fc.constant("string" as const), value: fc.string({ unit: "binary", maxLength: 8 }) }),
  fc.record({ kind: fc.constant("boolean" as const), value: fc.boolean() }),
  fc.record({ kind: fc.constant("regex" as const), pattern: regexPattern }),
);
const OPS = [
  "OR",
  "AND",
  "=",
  "!=",
  "<>",
  "<",
  "<=",
  ">",
  ">=",
  "=~",
  "!~",
  "+",
  "-",
  "|",
  "^",
  "*",
  "/",
  "%",
  "&",
] as const;
const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.record({
      kind: fc.constant("call" as const),
      name: word,
      args: fc.array(tie("expr"), { maxLength: 3 }),
    }),
    fc.record({
      kind: fc.constant("binary" as const),
      op: fc.constantFrom(...OPS),
      left: tie("expr"),
      right: tie("expr"),
    }),
  ),
}));

const named = <T extends object>(base: T) =>
  fc.record({ db: text, rp: text }, { requiredKeys: [] }).map((prefix) => {
    // `db..m` has no retention policy; `rp.m` no database.
    return { ...base, ...prefix };
  });
const plainSource: fc.Arbitrary<Source> = fc.oneof(
  text.chain((name) => named({ kind: "measurement" as const, name })),
  regexPattern.chain((pattern) => named({ kind: "regex" as const, pattern })),
);
const dimension: fc.Arbitrary<Dimension> = fc.oneof(
  fc.record(
    {
      kind: fc.constant("time" as const),
      interval: duration.map((t): Expr => ({ kind: "duration", text: t })),
      offset: duration.map((t): Expr => ({ kind: "duration", text: t })),
    },
    { requiredKeys: ["kind", "interval"] },
  ),
  fc.record({ kind: fc.constant("tag" as const), name: text }),
  fc.record({ kind: fc.constant("regex" as const), pattern: regexPattern }),
  fc.constant({ kind: "all" as const }),
);
const fill: fc.Arbitrary<Fill> = fc.oneof(
  fc.constantFrom<Fill>({ kind: "null" }, { kind: "none" }, { kind: "previous" }, { kind: "linear" }),
  fc.record({
    kind: fc.constant("value" as const),
    value: fc
      .oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.constantFrom(0.5, -2.25))
      .filter((v) => !Object.is(v, -0)),
  }),
);
const count = fc.integer({ min: 0, max: 1_000_000 });
const { select } = fc.letrec<{ select: SelectStatement }>((tie) => ({
  select: fc.record(
    {
      kind: fc.constant("select" as const),
      fields: fc.array(fc.record({ expr, alias: text }, { requiredKeys: ["expr"] }), {
        minLength: 1,
        maxLength: 3,
      }),
      sources: fc.array(
        fc.oneof(
          { depthSize: "small" },
          plainSource,
          tie("select").map((inner): Source => ({ kind: "subquery", select: inner })),
        ),
        { minLength: 1, maxLength: 2 },
      ),
      where: expr,
      groupBy: fc.array(dimension, { maxLength: 3 }),
      fill,
      orderDesc: fc.boolean(),
      limit: count,
      offset: count,
      slimit: count,
      soffset: count,
      tz: fc.string({ unit: "binary", maxLength: 10 }),
    },
    { requiredKeys: ["kind", "fields", "sources", "groupBy"] },
  ),
}));
const nameMatch = (withIn: boolean): fc.Arbitrary<NameMatch> =>
  fc.oneof(
    fc.record({ op: fc.constantFrom(...(withIn ? (["=", "!="] as const) : (["="] as const))), name: text }),
    fc.record({
      op: fc.constantFrom(...(withIn ? (["=~", "!~"] as const) : (["=~"] as const))),
      pattern: regexPattern,
    }),
    ...(withIn
      ? [fc.record({ op: fc.constant("IN" as const), names: fc.array(text, { minLength: 1, maxLength: 3 }) })]
      : []),
  );
const show: fc.Arbitrary<Statement> = fc.oneof(
  fc.constant({ kind: "showDatabases" as const }),
  fc.record({ kind: fc.constant("showRetentionPolicies" as const), on: text }, { requiredKeys: ["kind"] }),
  fc.record(
    {
      kind: fc.constant("showMeasurements" as const),
      on: text,
      with: nameMatch(false),
      where: expr,
      limit: count,
      offset: count,
    },
    { requiredKeys: ["kind"] },
  ),
  fc.record(
    {
      kind: fc.constant("showTagKeys" as const),
      on: text,
      sources: fc.array(plainSource, { maxLength: 2 }),
      where: expr,
      limit: count,
      offset: count,
      slimit: count,
      soffset: count,
    },
    { requiredKeys: ["kind", "sources"] },
  ),
  fc.record(
    {
      kind: fc.constant("showTagValues" as const),
      on: text,
      sources: fc.array(plainSource, { maxLength: 2 }),
      key: nameMatch(true),
      where: expr,
      limit: count,
      offset: count,
    },
    { requiredKeys: ["kind", "sources", "key"] },
  ),
  fc.record(
    {
      kind: fc.constant("showFieldKeys" as const),
      on: text,
      sources: fc.array(plainSource, { maxLength: 2 }),
      limit: count,
      offset: count,
    },
    { requiredKeys: ["kind", "sources"] },
  ),
  fc.record(
    {
      kind: fc.constant("showSeries" as const),
      on: text,
      sources: fc.array(plainSource, { maxLength: 2 }),
      where: expr,
      limit: count,
      offset: count,
    },
    { requiredKeys: ["kind", "sources"] },
  ),
);
const statements = fc.array(fc.oneof(select, show), { minLength: 1, maxLength: 3 });

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
