import { RESERVED_TAGS } from "@platform-metrics/sdk/contracts";
import type { Replicas } from "../influx/replicas.js";
import { discovery } from "../query/build-influxql.js";
import { nowNs } from "../query/time-range.js";

export interface OrgFields {
  replica: string;
  /** The measurement has at least one series of the org. */
  exists: boolean;
  /** The fields the org has points of within the discovery window, with their InfluxDB types. */
  types: Map<string, string>;
}

/**
 * What an org can see of a measurement. SHOW FIELD KEYS is not org-scoped in InfluxDB 1.x (it lists
 * every org's fields), so a field counts as the org's only when COUNT over the discovery window, pinned
 * to the org, finds points of it; the unscoped statement only supplies the types. Another org's
 * measurement or field therefore looks exactly like one that does not exist.
 */
export async function orgFields(
  replicas: Replicas,
  measurement: string,
  org: string,
  discoveryRangeMs: number,
  signal: AbortSignal,
): Promise<OrgFields> {
  const since = nowNs() - BigInt(discoveryRangeMs) * 1_000_000n;
  const answer = await replicas.query(
    [
      discovery.tagKeys(measurement, org),
      discovery.fieldKeys(measurement),
      discovery.fieldCounts(measurement, org, since),
    ].join("; "),
    signal,
  );
  const [tagKeys, fieldKeys, fieldCounts] = answer.results;
  const exists = (tagKeys?.series ?? []).some((series) => series.values.length > 0);
  const counted = new Set<string>();
  for (const series of fieldCounts?.series ?? []) {
    const row = series.values[0] ?? [];
    series.columns.forEach((columnName, index) => {
      const count = row[index];
      if (columnName.startsWith("count_") && typeof count === "number" && count > 0) {
        counted.add(columnName.slice("count_".length));
      }
    });
  }
  const types = new Map<string, string>();
  for (const series of fieldKeys?.series ?? []) {
    for (const [field, type] of series.values) {
      const name = String(field);
      // A field named like a platform tag was refused by the relay; older points may still hold one.
      if ((RESERVED_TAGS as readonly string[]).includes(name)) continue;
      if (counted.has(name) && !types.has(name)) types.set(name, String(type));
    }
  }
  return { replica: answer.replica, exists, types };
}
