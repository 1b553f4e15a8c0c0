import type {
  BinaryOp,
  Dimension,
  Expr,
  Field,
  Fill,
  NameMatch,
  SelectStatement,
  Source,
  Statement,
} from "./ast.js";
import { InfluxQLSyntaxError, near, scan, scanRegex, type Token } from "./lexer.js";

// Recursive descent over InfluxQL 1.x for the statements the gateway serves. Anything else is a
// syntax error or an UnsupportedStatement naming what was refused; nothing is passed on unparsed.

/** A statement that parses as InfluxQL but that the gateway does not run (INTO, DROP, SHOW USERS, ...). */
export class UnsupportedStatement extends Error {}

// Words that are keywords in InfluxQL and so cannot be bare identifiers.
const KEYWORDS = new Set(
  "ALL ALTER ANALYZE ANY AS ASC BEGIN BY CARDINALITY CREATE CONTINUOUS DATABASE DATABASES DEFAULT DELETE DESC DESTINATIONS DIAGNOSTICS DISTINCT DROP DURATION END EVERY EXACT EXPLAIN FIELD FOR FROM GRANT GRANTS GROUP GROUPS IN INF INSERT INTO KEY KEYS KILL LIMIT MEASUREMENT MEASUREMENTS NAME OFFSET ON ORDER PASSWORD POLICIES POLICY PRIVILEGES QUERIES QUERY READ REPLICATION RESAMPLE RETENTION REVOKE SELECT SERIES SET SHARD SHARDS SLIMIT SOFFSET STATS SUBSCRIPTION SUBSCRIPTIONS TAG TO USER USERS VALUES WHERE WITH WRITE AND OR TRUE FALSE".split(
    " ",
  ),
);

const REFUSED_VERBS = new Set([
  "DROP",
  "DELETE",
  "CREATE",
  "ALTER",
  "GRANT",
  "REVOKE",
  "KILL",
  "INSERT",
  "SET",
  "EXPLAIN",
]);
const CASTS = new Set(["tag", "field", "integer", "float", "string", "boolean", "unsigned"]);

// Binding power of each binary operator, as InfluxQL's Token.Precedence().
const PRECEDENCE: Record<string, number> = {
  OR: 1,
  AND: 2,
  "=": 4,
  "!=": 4,
  "<>": 4,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "=~": 4,
  "!~": 4,
  "+": 5,
  "-": 5,
  "|": 5,
  "^": 5,
  "*": 6,
  "/": 6,
  "%": 6,
  "&": 6,
};
export const precedence = (op: BinaryOp): number => PRECEDENCE[op]!;

const MAX_DEPTH = 64;
// Operators in one query: a flat chain (`a OR a OR ...`) nests its tree one level per operator, and
// everything that walks the tree recurses, so its length is bounded too.
const MAX_OPERATORS = 5_000;

export class Parser {
  private pos = 0;
  private depth = 0;
  private operators = 0;

  constructor(private readonly src: string) {}

  // --- tokens ---------------------------------------------------------------------------------

  // The parser peeks at the same token several times; it is scanned once.
  private scanned?: { pos: number; token: Token; end: number };

  private scanAt(): { token: Token; end: number } {
    if (this.scanned?.pos !== this.pos) this.scanned = { pos: this.pos, ...scan(this.src, this.pos) };
    return this.scanned;
  }

  private peek(): Token {
    return this.scanAt().token;
  }

  private next(): Token {
    const { token, end } = this.scanAt();
    this.pos = end;
    return token;
  }

  private fail(expected: string, token = this.peek()): never {
    const found = token.type === "eof" ? "the end of the query" : JSON.stringify(token.text);
    if (token.type === "param") {
      throw new InfluxQLSyntaxError(
        `found ${found}, expected ${expected} ${near(this.src, token.pos)}: a dashboard variable was not replaced before the query was sent`,
      );
    }
    throw new InfluxQLSyntaxError(`found ${found}, expected ${expected} ${near(this.src, token.pos)}`);
  }

  private isWord(token: Token, ...words: string[]): boolean {
    return token.type === "word" && words.includes(token.text.toUpperCase());
  }

  private acceptWord(...words: string[]): string | undefined {
    const token = this.peek();
    if (!this.isWord(token, ...words)) return undefined;
    this.next();
    return token.text.toUpperCase();
  }

  private expectWord(...words: string[]): string {
    return this.acceptWord(...words) ?? this.fail(words.join(" or "));
  }

  private acceptOp(...ops: string[]): string | undefined {
    const token = this.peek();
    if (token.type !== "op" || !ops.includes(token.text)) return undefined;
    this.next();
    return token.text;
  }

  private expectOp(op: string): void {
    if (!this.acceptOp(op)) this.fail(JSON.stringify(op));
  }

  private ident(what = "identifier"): string {
    const token = this.peek();
    if (token.type === "ident" || (token.type === "word" && !KEYWORDS.has(token.text.toUpperCase()))) {
      this.next();
      return token.text;
    }
    return this.fail(what);
  }

  private regex(): string | undefined {
    const found = scanRegex(this.src, this.pos);
    if (!found) return undefined;
    this.pos = found.end;
    return found.pattern;
  }

  private unsignedInt(what: string): number {
    const token = this.next();
    if (token.type !== "integer") this.fail(what, token);
    const value = Number(token.text);
    if (!Number.isSafeInteger(value)) throw new InfluxQLSyntaxError(`${what} ${token.text} is too large`);
    return value;
  }

  // --- statements -----------------------------------------------------------------------------

  /** Every statement of a query, split on `;` outside strings, identifiers and comments. */
  statements(): Statement[] {
    const all: Statement[] = [];
    for (;;) {
      while (this.acceptOp(";"));
      if (this.peek().type === "eof") break;
      all.push(this.statement());
      const after = this.peek();
      if (after.type !== "eof" && !(after.type === "op" && after.text === ";"))
        this.fail('";" or the end of the query');
    }
    return all;
  }

  private statement(): Statement {
    const token = this.peek();
    if (this.isWord(token, "SELECT")) return this.select();
    if (this.isWord(token, "SHOW")) return this.show();
    if (token.type === "word" && REFUSED_VERBS.has(token.text.toUpperCase())) {
      throw new UnsupportedStatement(
        `${token.text.toUpperCase()} statements are not allowed through the gateway: it only reads`,
      );
    }
    return this.fail("SELECT or SHOW");
  }

  select(): SelectStatement {
    this.expectWord("SELECT");
    const fields = this.fields();
    if (this.isWord(this.peek(), "INTO"))
      throw new UnsupportedStatement("SELECT ... INTO is not allowed through the gateway: it only reads");
    this.expectWord("FROM");
    const statement: SelectStatement = { kind: "select", fields, sources: this.sources(true), groupBy: [] };
    if (this.acceptWord("WHERE")) statement.where = this.expr();
    if (this.acceptWord("GROUP")) {
      this.expectWord("BY");
      statement.groupBy = this.dimensions();
    }
    if (this.isWord(this.peek(), "FILL")) statement.fill = this.fill();
    if (this.acceptWord("ORDER")) {
      this.expectWord("BY");
      this.orderBy(statement);
    }
    this.limits(statement, ["LIMIT", "OFFSET", "SLIMIT", "SOFFSET"]);
    if (this.isWord(this.peek(), "TZ")) {
      this.next();
      this.expectOp("(");
      const zone = this.next();
      if (zone.type !== "string") this.fail("a time zone string", zone);
      statement.tz = zone.text;
      this.expectOp(")");
    }
    return statement;
  }

  private orderBy(statement: SelectStatement): void {
    const first = this.peek();
    if (this.isWord(first, "ASC", "DESC")) {
      statement.orderDesc = this.next().text.toUpperCase() === "DESC";
    } else {
      const name = this.ident("time");
      if (name.toLowerCase() !== "time")
        throw new UnsupportedStatement(`ORDER BY ${JSON.stringify(name)}: only ORDER BY time is supported`);
      const direction = this.acceptWord("ASC", "DESC");
      if (direction) statement.orderDesc = direction === "DESC";
      else statement.orderDesc = false;
    }
    if (this.acceptOp(",")) throw new UnsupportedStatement("ORDER BY takes one field, time");
  }

  private limits(
    target: { limit?: number; offset?: number; slimit?: number; soffset?: number },
    allowed: string[],
  ): void {
    for (;;) {
      const word = this.acceptWord(...allowed);
      if (!word) return;
      const key = word.toLowerCase() as "limit" | "offset" | "slimit" | "soffset";
      if (target[key] !== undefined) throw new InfluxQLSyntaxError(`${word} given twice`);
      target[key] = this.unsignedInt(`${word} count`);
    }
  }

  private fields(): Field[] {
    const fields: Field[] = [];
    do {
      const expr = this.expr();
      const field: Field = { expr };
      if (this.acceptWord("AS")) field.alias = this.ident("an alias");
      fields.push(field);
    } while (this.acceptOp(","));
    return fields;
  }

  private sources(subqueries: boolean): Source[] {
    const sources: Source[] = [];
    do sources.push(this.source(subqueries));
    while (this.acceptOp(","));
    return sources;
  }

  private source(subqueries: boolean): Source {
    if (subqueries && this.acceptOp("(")) {
      this.enter();
      const select = this.select();
      this.expectOp(")");
      this.depth--;
      return { kind: "subquery", select };
    }
    // Up to three segments, db.rp.name, where the last may be a regex and the middle may be empty.
    const segments: (string | undefined)[] = [];
    for (;;) {
      const pattern = this.regex();
      if (pattern !== undefined) return this.segmented(segments, { kind: "regex", pattern });
      if (segments.length > 0 && this.peek().type === "op" && this.peek().text === ".")
        segments.push(undefined);
      else segments.push(this.ident("a measurement"));
      if (!this.acceptOp(".")) break;
      if (segments.length === 3) this.fail("at most db.rp.measurement");
    }
    const name = segments.pop();
    if (name === undefined) this.fail("a measurement");
    return this.segmented(segments, { kind: "measurement", name });
  }

  private segmented<T extends Source & { db?: string; rp?: string }>(
    prefix: (string | undefined)[],
    source: T,
  ): T {
    if (prefix.length === 2) {
      if (prefix[0] === undefined) this.fail("a database name");
      source.db = prefix[0];
      if (prefix[1] !== undefined) source.rp = prefix[1];
    } else if (prefix.length === 1) {
      if (prefix[0] === undefined) this.fail("a retention policy name");
      source.rp = prefix[0];
    }
    return source;
  }

  private dimensions(): Dimension[] {
    const dimensions: Dimension[] = [];
    do {
      const pattern = this.regex();
      if (pattern !== undefined) {
        dimensions.push({ kind: "regex", pattern });
        continue;
      }
      if (this.acceptOp("*")) {
        dimensions.push({ kind: "all" });
        continue;
      }
      const token = this.peek();
      if (this.isWord(token, "TIME") && scan(this.src, scan(this.src, this.pos).end).token.text === "(") {
        this.next();
        this.expectOp("(");
        const dimension: Dimension = { kind: "time", interval: this.expr() };
        if (this.acceptOp(",")) dimension.offset = this.expr();
        this.expectOp(")");
        dimensions.push(dimension);
        continue;
      }
      const name = this.ident("a tag, time(...), * or a regex");
      if (this.acceptOp("::")) this.expectWord("TAG");
      dimensions.push({ kind: "tag", name });
    } while (this.acceptOp(","));
    return dimensions;
  }

  private fill(): Fill {
    this.next();
    this.expectOp("(");
    let fill: Fill;
    const option = this.acceptWord("NULL", "NONE", "PREVIOUS", "LINEAR");
    if (option) fill = { kind: option.toLowerCase() } as Fill;
    else {
      const negative = this.acceptOp("-") !== undefined;
      const token = this.next();
      if (token.type !== "integer" && token.type !== "number")
        this.fail("null, none, previous, linear or a number", token);
      fill = { kind: "value", value: (negative ? -1 : 1) * Number(token.text) };
    }
    this.expectOp(")");
    return fill;
  }

  private show(): Statement {
    this.expectWord("SHOW");
    const what = this.peek();
    const word = what.type === "word" ? what.text.toUpperCase() : "";
    if (word === "DATABASES") {
      this.next();
      return { kind: "showDatabases" };
    }
    if (word === "RETENTION") {
      this.next();
      this.expectWord("POLICIES");
      return { kind: "showRetentionPolicies", ...this.on() };
    }
    if (word === "MEASUREMENTS") {
      this.next();
      const statement: Statement = { kind: "showMeasurements", ...this.on() };
      if (this.acceptWord("WITH")) {
        this.expectWord("MEASUREMENT");
        statement.with = this.nameMatch(false);
      }
      if (this.acceptWord("WHERE")) statement.where = this.expr();
      this.limits(statement, ["LIMIT", "OFFSET"]);
      return statement;
    }
    if (word === "TAG" || word === "FIELD") {
      this.next();
      const second = this.expectWord("KEYS", "VALUES");
      if (word === "FIELD" && second !== "KEYS") this.fail("KEYS");
      const on = this.on();
      const sources = this.acceptWord("FROM") ? this.sources(false) : [];
      if (word === "FIELD") {
        const statement: Statement = { kind: "showFieldKeys", ...on, sources };
        this.limits(statement, ["LIMIT", "OFFSET"]);
        return statement;
      }
      if (second === "KEYS") {
        const statement: Statement = { kind: "showTagKeys", ...on, sources };
        if (this.acceptWord("WHERE")) statement.where = this.expr();
        this.limits(statement, ["LIMIT", "OFFSET", "SLIMIT", "SOFFSET"]);
        return statement;
      }
      this.expectWord("WITH");
      this.expectWord("KEY");
      const statement: Statement = { kind: "showTagValues", ...on, sources, key: this.nameMatch(true) };
      if (this.acceptWord("WHERE")) statement.where = this.expr();
      this.limits(statement, ["LIMIT", "OFFSET"]);
      return statement;
    }
    if (
      word === "SERIES" &&
      !this.isWord(scan(this.src, scan(this.src, this.pos).end).token, "CARDINALITY", "EXACT")
    ) {
      this.next();
      const on = this.on();
      const sources = this.acceptWord("FROM") ? this.sources(false) : [];
      const statement: Statement = { kind: "showSeries", ...on, sources };
      if (this.acceptWord("WHERE")) statement.where = this.expr();
      this.limits(statement, ["LIMIT", "OFFSET"]);
      return statement;
    }
    const rest = this.src
      .slice(what.pos, what.pos + 40)
      .split(/[\s;]+/)
      .slice(0, 2)
      .join(" ")
      .toUpperCase();
    throw new UnsupportedStatement(
      `SHOW ${rest || "(nothing)"} is not served by the gateway; it serves SHOW DATABASES, RETENTION POLICIES, MEASUREMENTS, TAG KEYS, TAG VALUES, FIELD KEYS and SERIES`,
    );
  }

  private on(): { on?: string } {
    return this.acceptWord("ON") ? { on: this.ident("a database name") } : {};
  }

  private nameMatch(allowIn: boolean): NameMatch {
    if (allowIn && this.acceptWord("IN")) {
      this.expectOp("(");
      const names: string[] = [];
      do names.push(this.ident("a tag key"));
      while (this.acceptOp(","));
      this.expectOp(")");
      return { op: "IN", names };
    }
    const op =
      (allowIn ? this.acceptOp("=", "!=", "<>", "=~", "!~") : this.acceptOp("=", "=~")) ??
      this.fail(allowIn ? "=, !=, =~, !~ or IN" : "= or =~");
    if (op === "=~" || op === "!~") {
      const pattern = this.regex() ?? this.fail("a regex");
      return { op, pattern };
    }
    const pattern = this.regex();
    if (pattern !== undefined) return { op: op === "=" ? "=~" : "!~", pattern };
    return { op: op === "<>" ? "!=" : (op as "=" | "!="), name: this.ident("a name") };
  }

  // --- expressions ----------------------------------------------------------------------------

  private enter(): void {
    if (++this.depth > MAX_DEPTH)
      throw new InfluxQLSyntaxError(`the query nests deeper than ${MAX_DEPTH} levels`);
  }

  expr(minPrecedence = 1): Expr {
    this.enter();
    let left = this.unary();
    for (;;) {
      const token = this.peek();
      const op = token.type === "op" ? token.text : token.type === "word" ? token.text.toUpperCase() : "";
      const power = PRECEDENCE[op];
      if (power === undefined || power < minPrecedence) break;
      this.next();
      if (++this.operators > MAX_OPERATORS) {
        throw new InfluxQLSyntaxError(`the query has more than ${MAX_OPERATORS} operators`);
      }
      // A regex on the right of =~ is read by primary(), like any other operand.
      const right = this.expr(power + 1);
      left = { kind: "binary", op: op as BinaryOp, left, right };
    }
    this.depth--;
    return left;
  }

  private unary(): Expr {
    if (this.acceptOp("-")) {
      const token = this.peek();
      if (token.type === "integer" || token.type === "number" || token.type === "duration") {
        const literal = this.primary();
        if (literal.kind === "integer") return { kind: "integer", value: -literal.value };
        // -0.0 is 0 (influxd compares them equal), so the tree prints back as it was parsed.
        if (literal.kind === "number") return { kind: "number", value: -literal.value || 0 };
        if (literal.kind === "duration") return { kind: "duration", text: `-${literal.text}` };
      }
      return { kind: "binary", op: "*", left: { kind: "integer", value: -1n }, right: this.unary() };
    }
    return this.primary();
  }

  private primary(): Expr {
    const token = this.peek();
    switch (token.type) {
      case "integer": {
        this.next();
        const value = BigInt(token.text);
        if (value > 9223372036854775807n)
          throw new InfluxQLSyntaxError(`integer ${token.text} is out of range`);
        return { kind: "integer", value };
      }
      case "number":
        this.next();
        return { kind: "number", value: Number(token.text) };
      case "duration":
        this.next();
        return { kind: "duration", text: token.text };
      case "string":
        this.next();
        return { kind: "string", value: token.text };
      case "op":
        if (token.text === "(") {
          this.next();
          const inner = this.expr();
          this.expectOp(")");
          return inner;
        }
        if (token.text === "*") {
          this.next();
          return this.withCast({ kind: "wildcard" });
        }
        if (token.text === "/") {
          const pattern = this.regex();
          if (pattern !== undefined) return { kind: "regex", pattern };
        }
        return this.fail("an expression");
      case "word": {
        const upper = token.text.toUpperCase();
        if (upper === "TRUE" || upper === "FALSE") {
          this.next();
          return { kind: "boolean", value: upper === "TRUE" };
        }
        const after = scan(this.src, scan(this.src, this.pos).end).token;
        if (after.type === "op" && after.text === "(") return this.call();
        return this.withCast({ kind: "var", name: this.ident("an expression") });
      }
      case "ident":
        this.next();
        return this.withCast({ kind: "var", name: token.text });
      default:
        return this.fail("an expression");
    }
  }

  private call(): Expr {
    const name = this.next().text.toLowerCase();
    this.expectOp("(");
    const args: Expr[] = [];
    if (!this.acceptOp(")")) {
      do args.push(this.expr());
      while (this.acceptOp(","));
      this.expectOp(")");
    }
    return { kind: "call", name, args };
  }

  private withCast<T extends Expr & { kind: "var" | "wildcard" }>(expr: T): Expr {
    if (!this.acceptOp("::")) return expr;
    const token = this.next();
    const cast = token.type === "word" ? token.text.toLowerCase() : "";
    if (expr.kind === "wildcard" ? cast !== "tag" && cast !== "field" : !CASTS.has(cast))
      this.fail("a type such as tag or field", token);
    return { ...expr, cast } as Expr;
  }
}

/** Every statement of `q`; throws InfluxQLSyntaxError or UnsupportedStatement. */
export function parseQuery(q: string): Statement[] {
  return new Parser(q).statements();
}
