import type { CollectContext } from "@platform-metrics/sdk";
import type { ComponentStatusConfig } from "./config.js";
import type { ProbeResult } from "./probe/probe.js";
import type { Payload } from "./scrape/read-payload.js";
import type { Sample } from "./scrape/sample.js";
import type { Target } from "./target.js";

type Context = CollectContext<ComponentStatusConfig, unknown>;

// Tags the SDK or the collector sets: a label of that name is kept as exported_<name>, as Prometheus does.
// InfluxDB refuses a tag or field named time: it is written as exported_time too.
const TAKEN = new Set(["org", "source", "cluster", "target", "time"]);

/** The target's component_status point. */
export function writeStatus(
  ctx: Context,
  target: Target,
  result: ProbeResult,
  payload: Payload | undefined,
  version: string | undefined,
): void {
  const point = ctx.point("component_status").tag("target", target.name).tag("kind", target.kind);
  if (target.org !== undefined) point.org(target.org);
  const { timings, answer, failure } = result;
  point
    .integer("up", failure === undefined ? 1 : 0)
    .integer("http_status", answer?.status)
    .float("dns_ms", timings.dnsMs)
    .float("connect_ms", timings.connectMs)
    .float("tls_ms", timings.tlsMs)
    .float("ttfb_ms", timings.ttfbMs)
    .float("total_ms", result.totalMs)
    .float("cert_days_left", result.certDaysLeft)
    .integer("redirects", result.redirects)
    .integer("bytes", answer?.size)
    .string("version", version)
    .string("reason", failure?.reason);
  if (payload !== undefined && "format" in payload) {
    point
      .string("format", payload.format)
      .integer("samples", payload.samples.samples.length)
      .integer("samples_dropped", payload.samples.dropped);
  }
}

/** One component_scrape point per sample. */
export function writeSamples(ctx: Context, target: Target, samples: readonly Sample[]): void {
  for (const sample of samples) {
    const point = ctx.point("component_scrape").tag("target", target.name);
    if (target.org !== undefined) point.org(target.org);
    for (const [label, value] of Object.entries(sample.labels)) {
      point.tag(TAKEN.has(label) ? `exported_${label}` : label, printable(value));
    }
    const { value } = sample;
    const name = sample.name === "time" ? "exported_time" : sample.name;
    if (value.type === "float") point.float(name, value.value);
    else if (value.type === "integer") point.integer(name, value.value);
    else if (value.type === "unsigned") point.unsigned(name, value.value);
    else if (value.type === "string") point.string(name, value.value);
    else point.boolean(name, value.value);
    if (sample.timestamp !== undefined) point.at(sample.timestamp);
  }
}

/** Line protocol cannot carry control characters in a tag: they are written escaped, as `\n` in the exposition. */
function printable(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  if (!/[\u0000-\u001f\u007f]/.test(value)) return value;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  return value.replace(/[\u0000-\u001f\u007f]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    if (c === "\r") return "\\r";
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}
