import type { MeasurementDeclarations } from "@platform-metrics/sdk";

const TARGET = "the target's name (static), or kind/namespace/name:port (discovered)";
const ms = (description: string) => ({ type: "float", unit: "ms", description }) as const;
const integer = (description: string) => ({ type: "integer", description }) as const;

export const measurements = {
  component_status: {
    description:
      "One point per target and probe. The org is the target's (static), or its namespace's org label (discovered).",
    tags: { target: TARGET, kind: "static, service or pod" },
    fields: {
      up: integer("1 when the target answered as expected (status, payload), else 0"),
      http_status: integer("status of the last answer (after redirects); absent when none came"),
      dns_ms: ms("name lookup of the last request; absent for an IP address"),
      connect_ms: ms("TCP connect, after the lookup"),
      tls_ms: ms("TLS handshake, after the connect (HTTPS)"),
      ttfb_ms: ms("from the request's start to the response headers"),
      total_ms: ms("the whole probe: every redirect and the body"),
      cert_days_left: {
        type: "float",
        description: "days until the server certificate's notAfter (HTTPS); negative when expired",
      },
      redirects: integer("redirects followed"),
      bytes: { type: "integer", unit: "bytes", description: "body bytes read" },
      version: {
        type: "string",
        description: "the value at the target's versionPath in its JSON answer, when found",
      },
      reason: {
        type: "string",
        description:
          "why up=0: timeout, refused, dns, tls, status, redirects, payload, reset, unreachable or error",
      },
      format: { type: "string", description: "scraped format: prometheus, openmetrics, influx or json" },
      samples: integer("samples written as component_scrape points (scraped targets)"),
      samples_dropped: integer(
        "samples left out: over maxSeries, not finite (NaN, Inf), or unreadable lines",
      ),
    },
  },
  component_scrape: {
    description:
      "One point per scraped sample: the field is the metric's name, the tags are its labels, both unchanged (Telegraf's metric_version 2 mapping; README: format mapping).",
    tags: { target: TARGET },
    fields: {},
    open: {
      tags: "the sample's labels (le for histogram buckets, quantile for summaries); a label named org, source, cluster or target becomes exported_NAME",
      fields:
        "the metric's name (Prometheus, OpenMetrics), measurement_field (line protocol) or the JSON key path joined by _",
    },
  },
  component_round: {
    description: "One point per round: how many targets, how many up, and how long the round took.",
    tags: {},
    fields: {
      targets: integer("targets probed this round"),
      up: integer("targets up"),
      discovered: integer("targets found by discovery (due or not)"),
      duration_ms: ms("from the round's first probe to its last answer or timeout"),
    },
  },
} as const satisfies MeasurementDeclarations;
