import { nowNs, type Point } from "@platform-metrics/sdk";
import { PLATFORM_ORG } from "@platform-metrics/sdk/contracts";
import { declaredLine } from "@platform-metrics/sdk/service";
import type { ReplicaStatus } from "../influx/replicas.js";
import { GATEWAY_MEASUREMENTS } from "../measurements.js";
import type { GatewayCounters } from "./counters.js";

const integer = (value: number) => ({ type: "integer" as const, value: BigInt(value) });
const float = (value: number) => ({ type: "float" as const, value });

/**
 * The pm_gateway line for now, checked against GATEWAY_MEASUREMENTS: a point that strays from them
 * throws (and fails the tests), so the docs generated from them say what is written. Takes the
 * interval's query times, so call it once per interval.
 */
export function gatewayLine(
  counters: GatewayCounters,
  replicas: readonly ReplicaStatus[],
  tags: { pod?: string },
  now: bigint = nowNs(),
): string {
  const times = counters.takeQueryTimes();
  const point: Point = {
    measurement: "pm_gateway",
    tags: { org: PLATFORM_ORG, source: "gateway", ...(tags.pod ? { pod: tags.pod } : {}) },
    fields: {
      requests: integer(counters.requests),
      responses_2xx: integer(counters.responses2xx),
      responses_4xx: integer(counters.responses4xx),
      responses_5xx: integer(counters.responses5xx),
      unauthorized: integer(counters.unauthorized),
      forbidden: integer(counters.forbidden),
      rate_limited: integer(counters.rateLimited),
      influxql_requests: integer(counters.influxqlRequests),
      influxql_statements: integer(counters.influxqlStatements),
      influxql_refused: integer(counters.influxqlRefused),
      queries: integer(counters.queries),
      query_errors: integer(counters.queryErrors),
      failovers: integer(counters.failovers),
      ...(times
        ? {
            query_ms_mean: float(times.meanMs),
            query_ms_p99: float(times.p99Ms),
            query_ms_max: float(times.maxMs),
          }
        : {}),
      replicas: integer(replicas.length),
      replicas_up: integer(replicas.filter((replica) => replica.healthy).length),
    },
    timestamp: now,
  };
  return declaredLine(GATEWAY_MEASUREMENTS, point);
}
