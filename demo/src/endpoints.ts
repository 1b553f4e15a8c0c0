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

/** A service of ours: its /healthz on 127.0.0.1. */
export function httpEndpoint(name: string, kind: Endpoint["kind"], port: number): Endpoint {
  const url = `http://127.0.0.1:${port}`;
  return { name, kind, url, health: `${url}/healthz` };
}

export interface EndpointPlan {
  natsUrl: string;
  /** nats-server's monitoring port (-m), which serves /healthz. */
  natsMonitorPort: number;
  influx: { name: string; url: string }[];
  /** The HTTP port of the relay, the gateway and each collector, by name. */
  ports: ReadonlyMap<string, number>;
  collectors: readonly string[];
}

/** Every service of the demo and its health URL, known before the relay and the collectors start. */
export function demoEndpoints(plan: EndpointPlan): Endpoint[] {
  const port = (name: string) => {
    const found = plan.ports.get(name);
    if (found === undefined) throw new Error(`no port planned for ${name}`);
    return found;
  };
  return [
    {
      name: "nats-server",
      kind: "nats",
      url: plan.natsUrl,
      health: `http://127.0.0.1:${plan.natsMonitorPort}/healthz`,
    },
    // InfluxDB 1.x answers /ping with 204 while it runs.
    ...plan.influx.map(({ name, url }): Endpoint => ({ name, kind: "influxdb", url, health: `${url}/ping` })),
    httpEndpoint("relay", "relay", port("relay")),
    httpEndpoint("gateway", "gateway", port("gateway")),
    ...plan.collectors.map((name) => httpEndpoint(name, "collector", port(name))),
  ];
}
