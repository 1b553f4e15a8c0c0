/**
 * Default `PM_HTTP_PORT` of each service, one block so that every service can run on one machine (a
 * laptop, a node) with its defaults; docs/ports.md has the table. Outside Linux's ephemeral range
 * (32768-60999), so an outgoing connection never holds one, and clear of the ports common exporters and
 * dev servers use (8080, 9090, 9100, 9464).
 */
export const DEFAULT_HTTP_PORTS = {
  gateway: 9470,
  relay: 9471,
  perf: 9472,
  "storage-probe": 9473,
  "k8s-api": 9474,
  "component-status": 9475,
  catalog: 9476,
  "data-catalog": 9477,
  hello: 9478,
  /** A collector that declares no port of its own. */
  other: 9479,
} as const;

/** The health port a collector listens on unless PM_HTTP_PORT says otherwise. */
export function defaultHttpPort(collector: { httpPort?: number }): number {
  return collector.httpPort ?? DEFAULT_HTTP_PORTS.other;
}
