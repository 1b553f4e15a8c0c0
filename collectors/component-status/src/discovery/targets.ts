import { parseDuration, subjectToken } from "@platform-metrics/sdk";
import { SCRAPE_ACCEPT } from "../scrape/format.js";
import type { Target } from "../target.js";
import type { EndpointRecord } from "./records.js";

export interface DiscoveredTargets {
  targets: Target[];
  /** Annotations that could not be used, one line each, for the log. */
  problems: string[];
}

export interface TargetDefaults {
  timeoutMs: number;
  /** The org of a namespace, when its label gives a valid one. */
  orgOf(namespace: string): string | undefined;
}

const PATH = /^\/[^\s?#]*(\?[^\s#]*)?$/;

/** One target per annotated port of each annotated, ready pod or service. */
export function targetsOf(
  kind: "pod" | "service",
  records: Iterable<EndpointRecord>,
  defaults: TargetDefaults,
  into: DiscoveredTargets,
): void {
  for (const record of records) {
    if (!record.scrape || !record.ready || record.host === undefined) continue;
    const where = `${kind} ${record.namespace}/${record.name}`;
    const { annotations } = record;
    const scheme = annotations.scheme ?? "http";
    const path = annotations.path ?? "/metricsz";
    const interval = annotations.interval === undefined ? undefined : parseDuration(annotations.interval);
    if (scheme !== "http" && scheme !== "https") {
      into.problems.push(`${where}: scheme ${JSON.stringify(scheme)} is not http or https; skipped`);
      continue;
    }
    if (!PATH.test(path)) {
      into.problems.push(
        `${where}: path ${JSON.stringify(path)} does not start with / or has spaces; skipped`,
      );
      continue;
    }
    if (annotations.interval !== undefined && (interval === undefined || interval < 1000)) {
      into.problems.push(
        `${where}: interval ${JSON.stringify(annotations.interval)} is not a duration of 1s or more; skipped`,
      );
      continue;
    }
    const wanted = annotations.port
      ?.split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    const ports = new Set<number>();
    if (wanted === undefined) for (const p of record.ports) ports.add(p.port);
    for (const entry of wanted ?? []) {
      const port = /^\d+$/.test(entry) ? Number(entry) : record.ports.find((p) => p.name === entry)?.port;
      if (port === undefined || port < 1 || port > 65535)
        into.problems.push(
          `${where}: port ${JSON.stringify(entry)} is neither a port number nor a named port; skipped`,
        );
      else ports.add(port);
    }
    if (ports.size === 0 && wanted === undefined)
      into.problems.push(`${where}: no port declared; annotate platform-metrics.io/port; skipped`);
    const host = record.host.includes(":") ? `[${record.host}]` : record.host;
    const org = defaults.orgOf(record.namespace);
    for (const port of ports) {
      into.targets.push({
        name: `${kind}/${record.namespace}/${record.name}:${port}`,
        kind,
        url: `${scheme}://${host}:${port}${path}`,
        org,
        timeoutMs: defaults.timeoutMs,
        headers: { accept: SCRAPE_ACCEPT },
        scrape: true,
        // A pod's IP is in no certificate: a discovered HTTPS target is not verified (cert_days_left is still read).
        rejectUnauthorized: false,
        intervalMs: interval,
      });
    }
  }
}

export function validOrg(value: string | undefined): string | undefined {
  return value !== undefined && subjectToken.safeParse(value).success ? value : undefined;
}
