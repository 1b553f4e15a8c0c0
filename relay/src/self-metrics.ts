import type { JetStreamManager } from "@nats-io/jetstream";
import { nowNs, type Point } from "@platform-metrics/sdk";
import { METRICS_STREAM, PLATFORM_ORG } from "@platform-metrics/sdk/contracts";
import { declaredLine } from "@platform-metrics/sdk/service";
import { RELAY_MEASUREMENTS } from "./measurements.js";
import type { ReplicaStats } from "./replica-pipeline.js";

/** `pm_relay`, one point per replica: how far behind it is and what the relay did for it. */
export async function relayPoints(
  jsm: JetStreamManager,
  stats: readonly ReplicaStats[],
  tags: { pod?: string },
): Promise<string[]> {
  const now = nowNs();
  const lines: string[] = [];
  for (const replica of stats) {
    const info = await jsm.consumers.info(METRICS_STREAM, `relay-${replica.replica}`).catch(() => undefined);
    const pending = info ? info.num_pending + info.num_ack_pending : undefined;
    lines.push(relayLine(replica, pending, now, tags));
  }
  return lines;
}

/**
 * One replica's pm_relay line, checked against RELAY_MEASUREMENTS: a point that strays from them
 * throws (and fails the tests), so the docs generated from them say what is written.
 */
export function relayLine(
  replica: ReplicaStats,
  /** Messages the replica's consumer has not acknowledged; undefined when NATS did not say. */
  pending: number | undefined,
  now: bigint,
  tags: { pod?: string },
): string {
  const behind =
    pending && replica.lastWrittenAtNs !== undefined ? Number(now - replica.lastWrittenAtNs) / 1e9 : 0;
  const point: Point = {
    measurement: "pm_relay",
    tags: {
      org: PLATFORM_ORG,
      source: "relay",
      replica: replica.replica,
      ...(tags.pod ? { pod: tags.pod } : {}),
    },
    fields: {
      writable: { type: "boolean", value: replica.writable },
      points_written: { type: "integer", value: BigInt(replica.pointsWritten) },
      dead_lettered: { type: "integer", value: BigInt(replica.deadLettered) },
      errors: { type: "integer", value: BigInt(replica.errors) },
      redelivered: { type: "integer", value: BigInt(replica.redelivered) },
      write_seconds: { type: "float", value: replica.lastWriteSeconds },
      seconds_behind: { type: "float", value: Math.max(0, behind) },
      ...(pending !== undefined
        ? { messages_pending: { type: "integer" as const, value: BigInt(pending) } }
        : {}),
    },
    timestamp: now,
  };
  return declaredLine(RELAY_MEASUREMENTS, point);
}
