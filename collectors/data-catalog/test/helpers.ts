import type { Point } from "@platform-metrics/sdk";
import { collectOnce } from "@platform-metrics/sdk";
import collector from "../src/collector.js";

export type Round = Awaited<ReturnType<typeof collectOnce>>;

/** One round against a catalog, with fast retries (tests never wait on backoff they do not test). */
export function collectFrom(
  config: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<Round> {
  return collectOnce(collector, { requestTimeout: 10_000, ...config }, { env });
}

export function pointsOf(round: Round, measurement: string): Point[] {
  return round.filter((point) => point.measurement === measurement);
}

/** The one point of a measurement whose tags include `tags`; throws when there is not exactly one. */
export function pointWith(
  round: Round,
  measurement: string,
  tags: Record<string, string | undefined>,
): Point {
  const found = pointsOf(round, measurement).filter((point) =>
    Object.entries(tags).every(([key, value]) => point.tags[key] === value),
  );
  if (found.length !== 1) {
    throw new Error(
      `expected one ${measurement} point with ${JSON.stringify(tags)}, found ${found.length}:\n${round.lines.join("\n")}`,
    );
  }
  return found[0]!;
}

/** A field as a plain number or boolean (integers come as bigint). */
export function field(point: Point, name: string): number | boolean | string | undefined {
  const value = point.fields[name]?.value;
  return typeof value === "bigint" ? Number(value) : value;
}

/** Sum of an integer field over points. */
export function sum(points: Point[], name: string): number {
  return points.reduce((total, point) => total + Number(field(point, name) ?? 0), 0);
}
