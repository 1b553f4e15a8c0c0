import { type CollectOnceResult, collectOnce, type Point } from "@platform-metrics/sdk";
import collector from "../src/collector.js";

/** One round of the collector in-process, against a catalog at `url`. */
export function collect(config: Record<string, unknown>): Promise<CollectOnceResult> {
  return collectOnce(collector, { requestTimeout: 10_000, ...config });
}

export function pointsOf(points: Point[], measurement: string): Point[] {
  return points.filter((point) => point.measurement === measurement);
}

/** A point's fields as plain numbers and booleans. */
export function fieldsOf(point: Point | undefined): Record<string, number | boolean | string> {
  if (point === undefined) throw new Error("no such point");
  return Object.fromEntries(
    Object.entries(point.fields).map(([key, field]) => {
      const value = typeof field === "object" && field !== null && "value" in field ? field.value : field;
      return [key, typeof value === "bigint" ? Number(value) : (value as number | boolean | string)];
    }),
  );
}

/** The one pm_catalog point's fields. */
export function selfPoint(points: Point[]): Record<string, number | boolean | string> {
  const self = pointsOf(points, "pm_catalog");
  if (self.length !== 1) throw new Error(`expected one pm_catalog point, got ${self.length}`);
  return fieldsOf(self[0]);
}

/** Sum of a field over points, by the value of a tag (org by default). */
export function sumBy(points: Point[], field: string, tag = "org"): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const point of points) {
    const key = point.tags[tag] ?? "";
    sums[key] = (sums[key] ?? 0) + Number(fieldsOf(point)[field] ?? 0);
  }
  return sums;
}
