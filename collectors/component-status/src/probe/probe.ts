import { type Exchange, exchange, type Timings } from "./exchange.js";
import { ProbeFailure, type Reason, reasonOf } from "./reasons.js";

export interface ProbeRequest {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  maxRedirects: number;
  maxBodyBytes: number;
  keepBody: boolean;
  ca?: string;
  rejectUnauthorized: boolean;
  /** Statuses that count as up; default any 2xx. */
  expectStatus?: readonly number[];
}

export interface ProbeResult {
  /** The answer that ended the probe, when one came (also when its status was unexpected). */
  answer?: Exchange;
  timings: Timings;
  totalMs: number;
  redirects: number;
  certDaysLeft?: number;
  failure?: ProbeFailure;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GETs a target, following redirects up to the limit (a loop ends there too, as reason=redirects),
 * all within the target's own timeout. Never throws: a failure is in the result.
 */
export async function probe(request: ProbeRequest, roundSignal: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  const signal = AbortSignal.any([roundSignal, AbortSignal.timeout(request.timeoutMs)]);
  const result: ProbeResult = { timings: {}, totalMs: 0, redirects: 0 };
  let url = new URL(request.url);
  const originalHost = url.host;
  try {
    for (;;) {
      // Credentials go only to the host they were configured for; what is asked for (Accept) goes on.
      const headers = url.host === originalHost ? request.headers : acceptOnly(request.headers);
      const answer = await exchange(url, {
        headers,
        maxBodyBytes: request.maxBodyBytes,
        keepBody: request.keepBody,
        ca: request.ca,
        rejectUnauthorized: request.rejectUnauthorized,
        signal,
      });
      result.answer = answer;
      result.timings = answer.timings;
      if (answer.certDaysLeft !== undefined) result.certDaysLeft = answer.certDaysLeft;
      const location = answer.headers.location;
      if (!REDIRECTS.has(answer.status) || location === undefined) break;
      if (result.redirects >= request.maxRedirects) {
        throw new ProbeFailure(
          "redirects",
          `more than ${request.maxRedirects} redirects (last to ${location})`,
        );
      }
      const next = URL.canParse(location, url.href) ? new URL(location, url) : undefined;
      if (next === undefined || (next.protocol !== "http:" && next.protocol !== "https:"))
        throw new ProbeFailure("redirects", `redirect to ${JSON.stringify(location)}, not an http(s) URL`);
      url = next;
      result.redirects++;
    }
    const status = result.answer!.status;
    const expected = request.expectStatus
      ? request.expectStatus.includes(status)
      : status >= 200 && status < 300;
    if (!expected) throw new ProbeFailure("status", `HTTP ${status}`);
  } catch (error) {
    result.failure = reasonOf(error);
  }
  result.totalMs = performance.now() - started;
  return result;
}

function acceptOnly(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() === "accept"));
}

export type { Reason };
