import type { ComponentStatusConfig } from "./config.js";
import { valueAtPath } from "./probe/json-path.js";
import { type ProbeResult, probe } from "./probe/probe.js";
import { ProbeFailure } from "./probe/reasons.js";
import { type Payload, readPayload } from "./scrape/read-payload.js";
import type { Target } from "./target.js";

export interface TargetOutcome {
  result: ProbeResult;
  payload?: Payload;
  version?: string;
}

/** Probes a target and, when it is scraped, reads its samples; an unreadable payload makes it down. */
export async function checkTarget(
  target: Target,
  config: ComponentStatusConfig,
  signal: AbortSignal,
): Promise<TargetOutcome> {
  const result = await probe(
    {
      url: target.url,
      headers: target.headers,
      timeoutMs: target.timeoutMs,
      maxRedirects: config.maxRedirects,
      maxBodyBytes: config.maxBodyBytes,
      keepBody: target.scrape || target.versionPath !== undefined,
      ca: target.ca,
      rejectUnauthorized: target.rejectUnauthorized,
      expectStatus: target.expectStatus,
    },
    signal,
  );
  const answer = result.answer;
  if (result.failure !== undefined || answer === undefined) return { result };
  const version = target.versionPath === undefined ? undefined : valueAtPath(answer.body, target.versionPath);
  if (!target.scrape) return { result, version };
  const payload = readPayload(answer, config.maxSeries);
  if ("problem" in payload) result.failure = new ProbeFailure("payload", payload.problem);
  return { result, payload, version };
}
