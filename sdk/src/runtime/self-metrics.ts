import { defineMeasurements, type MeasurementDeclarations } from "../measurements.js";
import type { PointBuilder } from "../point/point-builder.js";
import type { SinkStats } from "../publish/sink.js";

/** Measurements the SDK itself writes for every collector; they appear in every collector's docs. */
export const SDK_MEASUREMENTS: MeasurementDeclarations = defineMeasurements({
  pm_collector: {
    description: "The collector's own health, one point per round (totals since the process started).",
    tags: {
      pod: "pod name (PM_POD_NAME, from the downward API)",
      namespace: "pod namespace (PM_POD_NAMESPACE)",
      node: "node name (PM_NODE_NAME)",
    },
    fields: {
      rounds: { type: "integer", unit: "count", counter: true, description: "rounds run" },
      rounds_failed: {
        type: "integer",
        unit: "count",
        counter: true,
        description: "rounds that threw or timed out",
      },
      rounds_skipped: {
        type: "integer",
        unit: "count",
        counter: true,
        description: "rounds skipped because the previous one overran",
      },
      round_duration_seconds: { type: "float", unit: "s", description: "duration of the last round" },
      errors: {
        type: "integer",
        unit: "count",
        counter: true,
        description: "round failures, publish errors, and errors the collector counted (ctx.countErrors)",
      },
      points_collected: {
        type: "integer",
        unit: "count",
        counter: true,
        description: "valid points handed to the sink",
      },
      points_written: {
        type: "integer",
        unit: "count",
        counter: true,
        description: "points acknowledged by the sink (JetStream ack, or written out)",
      },
      points_dropped: {
        type: "integer",
        unit: "count",
        counter: true,
        description: "points dropped: invalid, or the oldest when the buffer was full",
      },
      fields_dropped: {
        type: "integer",
        unit: "count",
        counter: true,
        description: "fields dropped: NaN/Infinity, wrong type, undeclared",
      },
      batches_buffered: { type: "integer", unit: "count", description: "batches waiting for NATS now" },
      points_buffered: { type: "integer", unit: "count", description: "points waiting for NATS now" },
    },
  },
});

export class SelfMetrics {
  rounds = 0;
  roundsFailed = 0;
  roundsSkipped = 0;
  lastRoundSeconds = 0;
  pointsCollected = 0;
  invalidPointsDropped = 0;
  fieldsDropped = 0;
  /** What the collector counted with ctx.countErrors. */
  errorsCounted = 0;

  fill(
    point: PointBuilder,
    sink: SinkStats,
    pod: { podName?: string; podNamespace?: string; nodeName?: string },
  ): void {
    point
      .tag("pod", pod.podName)
      .tag("namespace", pod.podNamespace)
      .tag("node", pod.nodeName)
      .integer("rounds", this.rounds)
      .integer("rounds_failed", this.roundsFailed)
      .integer("rounds_skipped", this.roundsSkipped)
      .float("round_duration_seconds", this.lastRoundSeconds)
      .integer("errors", this.roundsFailed + sink.publishErrors + this.errorsCounted)
      .integer("points_collected", this.pointsCollected)
      .integer("points_written", sink.pointsWritten)
      .integer("points_dropped", this.invalidPointsDropped + sink.pointsDropped)
      .integer("fields_dropped", this.fieldsDropped)
      .integer("batches_buffered", sink.batchesBuffered)
      .integer("points_buffered", sink.pointsBuffered);
  }
}
