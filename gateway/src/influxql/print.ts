import type { Dimension, Expr, Fill, NameMatch, SelectStatement, Source, Statement } from "./ast.js";
import { precedence } from "./parser.js";

// Writes a parse tree back as InfluxQL. Every name is a quoted identifier and every string a quoted
// literal, escaped, so no value can end its quote; parentheses go exactly where precedence needs them.

export function identifier(name: string): string {
  return `"${name.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

export function string(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;
}

/** `/pattern/`: a `/` inside is written `\/`, the only escape the scanner turns back. */
export function regex(pattern: string): string {
  return `/${pattern.replace(/\\.|\//g, (match) => (match === "/" ? "\\/" : match))}/`;
}

function number(value: number): string {
  let text = String(value);
  if (/e/i.test(text))
    text = Math.abs(value) >= 1 ? BigInt(Math.trunc(value)).toString() : value.toFixed(20).replace(/0+$/, "");
  return /\./.test(text) ? text : `${text}.0`;
}

export function printExpr(expr: Expr): string {
  switch (expr.kind) {
    case "var":
      return identifier(expr.name) + (expr.cast ? `::${expr.cast}` : "");
    case "wildcard":
      return `*${expr.cast ? `::${expr.cast}` : ""}`;
    case "number":
      return number(expr.value);
    case "integer":
      return expr.value.toString();
    case "duration":
      return expr.text;
    case "string":
      return string(expr.value);
    case "boolean":
      return expr.value ? "true" : "false";
    case "regex":
      return regex(expr.pattern);
    case "call":
      return `${expr.name}(${expr.args.map(printExpr).join(", ")})`;
    case "binary": {
      const power = precedence(expr.op);
      const side = (child: Expr, right: boolean) => {
        const text = printExpr(child);
        if (child.kind !== "binary") return text;
        const childPower = precedence(child.op);
        // Left-associative: an equal operator on the right needs its parentheses kept.
        return childPower < power || (right && childPower === power) ? `(${text})` : text;
      };
      // `a - -1`: the space keeps a negative literal from reading as `--`, a comment.
      return `${side(expr.left, false)} ${expr.op} ${side(expr.right, true)}`;
    }
  }
}

export function printSource(one: Source): string {
  if (one.kind === "subquery") return `(${printSelect(one.select)})`;
  const name = one.kind === "regex" ? regex(one.pattern) : identifier(one.name);
  if (one.db !== undefined)
    return `${identifier(one.db)}.${one.rp === undefined ? "" : identifier(one.rp)}.${name}`;
  if (one.rp !== undefined) return `${identifier(one.rp)}.${name}`;
  return name;
}

function dimension(one: Dimension): string {
  switch (one.kind) {
    case "time":
      return `time(${printExpr(one.interval)}${one.offset ? `, ${printExpr(one.offset)}` : ""})`;
    case "tag":
      return identifier(one.name);
    case "regex":
      return regex(one.pattern);
    case "all":
      return "*";
  }
}

function fill(one: Fill): string {
  return `fill(${one.kind === "value" ? String(one.value) : one.kind})`;
}

function limits(one: { limit?: number; offset?: number; slimit?: number; soffset?: number }): string {
  let text = "";
  if (one.limit !== undefined) text += ` LIMIT ${one.limit}`;
  if (one.offset !== undefined) text += ` OFFSET ${one.offset}`;
  if (one.slimit !== undefined) text += ` SLIMIT ${one.slimit}`;
  if (one.soffset !== undefined) text += ` SOFFSET ${one.soffset}`;
  return text;
}

export function printSelect(select: SelectStatement): string {
  const fields = select.fields.map(
    (field) => printExpr(field.expr) + (field.alias !== undefined ? ` AS ${identifier(field.alias)}` : ""),
  );
  let text = `SELECT ${fields.join(", ")} FROM ${select.sources.map(printSource).join(", ")}`;
  if (select.where) text += ` WHERE ${printExpr(select.where)}`;
  if (select.groupBy.length > 0) text += ` GROUP BY ${select.groupBy.map(dimension).join(", ")}`;
  if (select.fill) text += ` ${fill(select.fill)}`;
  if (select.orderDesc !== undefined) text += ` ORDER BY time ${select.orderDesc ? "DESC" : "ASC"}`;
  text += limits(select);
  if (select.tz !== undefined) text += ` tz(${string(select.tz)})`;
  return text;
}

function nameMatch(match: NameMatch): string {
  if (match.op === "IN") return `IN (${match.names.map(identifier).join(", ")})`;
  if ("pattern" in match) return `${match.op} ${regex(match.pattern)}`;
  return `${match.op} ${identifier(match.name)}`;
}

export function printStatement(statement: Statement): string {
  const on = "on" in statement && statement.on !== undefined ? ` ON ${identifier(statement.on)}` : "";
  const from =
    "sources" in statement && statement.sources.length > 0
      ? ` FROM ${statement.sources.map(printSource).join(", ")}`
      : "";
  const where = "where" in statement && statement.where ? ` WHERE ${printExpr(statement.where)}` : "";
  switch (statement.kind) {
    case "select":
      return printSelect(statement);
    case "showDatabases":
      return "SHOW DATABASES";
    case "showRetentionPolicies":
      return `SHOW RETENTION POLICIES${on}`;
    case "showMeasurements":
      return `SHOW MEASUREMENTS${on}${statement.with ? ` WITH MEASUREMENT ${nameMatch(statement.with)}` : ""}${where}${limits(statement)}`;
    case "showTagKeys":
      return `SHOW TAG KEYS${on}${from}${where}${limits(statement)}`;
    case "showTagValues":
      return `SHOW TAG VALUES${on}${from} WITH KEY ${nameMatch(statement.key)}${where}${limits(statement)}`;
    case "showFieldKeys":
      return `SHOW FIELD KEYS${on}${from}${limits(statement)}`;
    case "showSeries":
      return `SHOW SERIES${on}${from}${where}${limits(statement)}`;
  }
}

export function printQuery(statements: Statement[]): string {
  return statements.map(printStatement).join("; ");
}
