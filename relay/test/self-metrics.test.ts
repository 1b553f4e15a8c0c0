import { checkDeclarations } from "@platform-metrics/sdk/docs";
import { parseLine } from "@platform-metrics/sdk/line-protocol";
import { checkPoint } from "@platform-metrics/sdk/service";
import { describe, expect, it } from "vitest";
import { RELAY_MEASUREMENTS } from "../src/measurements.js";
import type { ReplicaStats } from "../src/replica-pipeline.js";
import { relayLine } from "../src/self-metrics.js";

const stats: ReplicaStats = {
  replica: "influx-a",
  writable: true,
  pointsWritten: 1200,
  deadLettered: 3,
  errors: 1,
  lastWriteSeconds: 0.25,
  redelivered: 2,
  lastWrittenAtNs: 1_000_000_000n,
};

describe("pm_relay", () => {
  it("declares its totals since start as counters, which the dashboards chart as rates", () => {
    expect(checkDeclarations(RELAY_MEASUREMENTS)).toEqual([]);
    const fields = Object.entries(RELAY_MEASUREMENTS.pm_relay.fields);
    // ReplicaStats' running sums; the rest are of the moment (pending, behind, the last write).
    expect(fields.filter(([, f]) => "counter" in f && f.counter).map(([name]) => name)).toEqual([
      "points_written",
      "dead_lettered",
      "errors",
      "redelivered",
    ]);
  });

  it("writes every declared field and tag, and nothing undeclared", () => {
    const line = relayLine(stats, 40, 3_000_000_000n, { pod: "relay-0" });
    const point = parseLine(line);
    expect(checkPoint(RELAY_MEASUREMENTS, point)).toEqual([]);
    expect(Object.keys(point.fields).sort()).toEqual(Object.keys(RELAY_MEASUREMENTS.pm_relay.fields).sort());
    expect(point.tags).toEqual({ org: "platform", source: "relay", replica: "influx-a", pod: "relay-0" });
    expect(point.fields.seconds_behind).toEqual({ type: "float", value: 2 });
    expect(point.fields.messages_pending).toEqual({ type: "integer", value: 40n });
  });

  it("leaves out messages_pending when NATS did not say, and the pod when there is none", () => {
    const point = parseLine(relayLine(stats, undefined, 3_000_000_000n, {}));
    expect(checkPoint(RELAY_MEASUREMENTS, point)).toEqual([]);
    expect(point.fields.messages_pending).toBeUndefined();
    expect(point.tags.pod).toBeUndefined();
    expect(point.fields.seconds_behind).toEqual({ type: "float", value: 0 });
  });
});
