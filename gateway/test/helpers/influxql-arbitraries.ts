import fc from "fast-check";
import type {
  Dimension,
  Expr,
  Fill,
  NameMatch,
  SelectStatement,
  Source,
  Statement,
} from "../../src/influxql/ast.js";

// fast-check arbitraries of InfluxQL parse trees: every node kind, names and strings with quotes,
// backslashes, newlines and any Unicode.

// Any Unicode but control characters, which the lexer refuses in quoted text (tab and newline allowed).
const printable = (options: { minLength?: number; maxLength: number }) =>
  fc
    .string({ unit: "binary", ...options })
    .map((s) =>
      [...s]
        .map((ch) => ((ch.charCodeAt(0) < 0x20 && ch !== "\t" && ch !== "\n") || ch === "\u007f" ? "?" : ch))
        .join(""),
    );

export const text = fc.oneof(
  printable({ minLength: 1, maxLength: 8 }),
  fc.constantFrom("org", 'a"b', "a'b", "a\\b", "x\ny", "--", "/*", "*/", ";", "ｏrg", "time", "SELECT"),
);
const word = fc
  .stringMatching(/^[a-z_][a-z0-9_]{0,6}$/)
  .filter((w) => !["true", "false", "time"].includes(w));
// A regex as the scanner hands it over: a backslash always escapes the next character (never `/`,
// which the scanner turns into `/`), and no pattern starts with `*` (that would open a comment).
export const regexPattern = fc
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
export const duration = fc
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
  fc.record({ kind: fc.constant("string" as const), value: printable({ maxLength: 8 }) }),
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
export const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
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
export const { select } = fc.letrec<{ select: SelectStatement }>((tie) => ({
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
      tz: printable({ maxLength: 10 }),
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
export const show: fc.Arbitrary<Statement> = fc.oneof(
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
export const statements = fc.array(fc.oneof(select, show), { minLength: 1, maxLength: 3 });
