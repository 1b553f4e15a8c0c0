import { defineMeasurements } from "@platform-metrics/sdk/service";

/**
 * What the relay writes about itself, declared as a collector declares its measurements: `npm run
 * docs` lists it in docs/metrics.md and relay/README.md, and self-metrics.ts writes nothing else.
 */
export const RELAY_MEASUREMENTS = defineMeasurements({
  pm_relay: {
    description:
      "The relay's work for one replica, from one relay process, every PM_METRICS_INTERVAL (totals since the process started), published to metrics.platform.relay.",
    tags: {
      replica: "the InfluxDB replica (its name in PM_INFLUX_URLS)",
      pod: "pod name (PM_POD_NAME, from the downward API)",
    },
    fields: {
      writable: { type: "boolean", description: "the last write to this replica succeeded" },
      messages_pending: {
        type: "integer",
        unit: "count",
        description: "messages of the stream this replica has not acknowledged yet",
      },
      seconds_behind: {
        type: "float",
        unit: "s",
        description: "age of the newest message written, while messages are pending",
      },
      points_written: { type: "integer", unit: "count", counter: true, description: "points written" },
      write_seconds: { type: "float", unit: "s", description: "duration of the last write" },
      dead_lettered: { type: "integer", unit: "count", counter: true, description: "lines dead-lettered" },
      errors: { type: "integer", unit: "count", counter: true, description: "failed writes" },
      redelivered: {
        type: "integer",
        unit: "count",
        counter: true,
        description: "messages delivered again (nak, or ack wait ran out)",
      },
    },
  },
});

/** How often pm_relay is written unless PM_METRICS_INTERVAL says otherwise (the catalogue shows it). */
export const RELAY_METRICS_INTERVAL = "10s";
