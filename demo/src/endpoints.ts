/** A service of the demo and where to check it, for a collector that probes them (and for stack.json). */
export interface Endpoint {
  name: string;
  kind: "nats" | "influxdb" | "relay" | "gateway" | "collector";
  /** Its base URL (nats://... for NATS clients, http://... otherwise). */
  url: string;
  /** An HTTP URL that answers 2xx while it is healthy (/healthz; InfluxDB: /ping). */
  health: string;
  /** Its own metrics in Prometheus text, when it serves them. */
  metrics?: string;
}
