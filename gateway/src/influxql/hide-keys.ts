import type { InfluxSeries } from "../influx/replicas.js";
import type { Expr, SelectStatement } from "./ast.js";

// In InfluxDB 1.x a measurement's field keys and tag keys are shared by every org that writes it, so
// `SELECT *`, a regex field list and `GROUP BY *` expand to other orgs' keys too: their columns come
// back empty (null) and their tags as "". Such columns and tags are dropped from the answer, so an
// org never learns another org's field or tag names. (A column of the org's own that is empty in the
// whole answer goes too, which only hides nothing.)

function exprExpands(expr: Expr): boolean {
  if (expr.kind === "wildcard" || expr.kind === "regex") return true;
  if (expr.kind === "call") return expr.args.some(exprExpands);
  if (expr.kind === "binary") return exprExpands(expr.left) || exprExpands(expr.right);
  return false;
}

/** Whether the SELECT, or one of its subqueries, expands a wildcard or a regex into keys. */
export function expandsKeys(select: SelectStatement): boolean {
  return (
    select.fields.some((field) => exprExpands(field.expr)) ||
    select.groupBy.some((dimension) => dimension.kind === "all" || dimension.kind === "regex") ||
    select.sources.some((source) => source.kind === "subquery" && expandsKeys(source.select))
  );
}

const empty = (value: unknown, column: string) =>
  value === null || value === undefined || (column.startsWith("count_") && value === 0);

export function hideForeignKeys(series: InfluxSeries[]): InfluxSeries[] {
  return series.map((one) => {
    const values = one.values ?? [];
    const keep = one.columns.map(
      (column, index) => column === "time" || values.some((row) => !empty(row[index], column)),
    );
    const tags = one.tags
      ? Object.fromEntries(Object.entries(one.tags).filter(([, value]) => value !== ""))
      : undefined;
    const dropped = new Set(one.columns.filter((_column, index) => !keep[index]));
    const kept = one.columns.filter((_column, index) => keep[index]);
    // influxd names a tag `org_1` when a field is also named org; with that field gone, it is `org` again.
    const columns = kept.map((column) => {
      const base = /^(.+)_[0-9]+$/.exec(column)?.[1];
      return base !== undefined && dropped.has(base) && !kept.includes(base) ? base : column;
    });
    return {
      ...one,
      ...(tags ? { tags } : {}),
      columns,
      values: values.map((row) => row.filter((_value, index) => keep[index])),
    };
  });
}
