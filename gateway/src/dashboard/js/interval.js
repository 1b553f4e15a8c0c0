// How often a measurement is written, read from the data itself (a collector's PM_INTERVAL may
// differ from its default): buckets finer than that would be mostly empty.
import { api } from "./api.js";

const known = new Map();

function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Seconds between points of one series of `spec`'s measurement, from the first points of each series
 * in the range; `fallback` (the collector's declared interval) when the range holds too few.
 */
export async function dataInterval(org, spec, range, fallback) {
  const key = JSON.stringify([org, spec.measurement, spec.where ?? {}]);
  if (known.has(key)) return known.get(key);
  const answer = await api("/api/v1/query", {
    org,
    measurement: spec.measurement,
    fields: [spec.fields[0]],
    groupBy: spec.groupBy,
    where: spec.where,
    range,
    limit: 12,
  });
  const gaps = answer.series.flatMap((series) =>
    series.values.slice(1).map((row, i) => (Date.parse(row[0]) - Date.parse(series.values[i][0])) / 1000),
  );
  const positive = gaps.filter((gap) => gap > 0);
  if (positive.length < 3) return fallback;
  const seconds = median(positive);
  known.set(key, seconds);
  return seconds;
}

export function forgetIntervals() {
  known.clear();
}
