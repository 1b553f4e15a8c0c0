import { defineMeasurements } from "@platform-metrics/sdk/service";

const count = (description: string) => ({ type: "integer", unit: "count", description }) as const;
/** A count since the process started: dashboards chart its rate. */
const total = (description: string) => ({ ...count(description), counter: true }) as const;
const ms = (description: string) => ({ type: "float", unit: "ms", description }) as const;

/**
 * What the gateway writes about itself, declared as a collector declares its measurements: `npm run
 * docs` lists it in docs/metrics.md and gateway/README.md, and self-metrics/ writes nothing else.
 */
export const GATEWAY_MEASUREMENTS = defineMeasurements({
  pm_gateway: {
    description:
      "One gateway process's API traffic and InfluxDB queries, every PM_METRICS_INTERVAL, published to metrics.platform.gateway when PM_NATS_URL is set. Counts are totals since the process started; query times cover the last interval. Requests are those of the API (/api/v1/... and /query); the health checks, pages and unknown routes are not counted. No tag per org or token: orgs are tenants, their number grows without bound, and which org asked what is in the request log.",
    tags: {
      pod: "pod name (PM_POD_NAME, from the downward API)",
    },
    fields: {
      requests: total("API requests answered"),
      responses_2xx: total("API requests answered 2xx"),
      responses_4xx: total("API requests answered 4xx (the caller's mistake, refusals and limits)"),
      responses_5xx: total(
        "API requests answered 5xx (InfluxDB unavailable or too slow, or a gateway fault)",
      ),
      unauthorized: total("API requests answered 401: no credential, or a bad or expired one"),
      forbidden: total("API requests answered 403: the credential does not grant the org asked for"),
      rate_limited: total(
        "API requests answered 429: over the token's rate or concurrency limit, or an address over the failed-authentication limit",
      ),
      influxql_requests: total("requests to /query (InfluxQL, for Grafana and the influx CLI)"),
      influxql_statements: total("InfluxQL statements run"),
      influxql_refused: total(
        "/query requests refused (a statement or parameter the gateway does not allow, a limit), and statements answered with an error",
      ),
      queries: total("queries sent to InfluxDB, each try on each replica"),
      query_errors: total("queries to InfluxDB that failed: unreachable, timed out or refused"),
      failovers: total("queries tried again on another replica after one failed"),
      query_ms_mean: ms("mean InfluxDB query time in the last interval (absent when none ran)"),
      query_ms_p99: ms("99th percentile of InfluxDB query time in the last interval (absent when none ran)"),
      query_ms_max: ms("longest InfluxDB query in the last interval (absent when none ran)"),
      replicas: count("InfluxDB replicas configured (PM_INFLUX_URLS)"),
      replicas_up: count("InfluxDB replicas answering their ping now"),
    },
  },
});

/** How often pm_gateway is written unless PM_METRICS_INTERVAL says otherwise (the catalogue shows it). */
export const GATEWAY_METRICS_INTERVAL = "10s";
