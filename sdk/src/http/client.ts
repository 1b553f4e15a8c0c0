import { Agent as HttpAgent, type IncomingHttpHeaders } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { authorizationHeader, displayUrl, type HttpCredential, redactor } from "./credential.js";
import { HttpError, type HttpErrorKind } from "./errors.js";
import { EtagCache } from "./etag-cache.js";
import { parseJsonBody } from "./json-body.js";
import { parseHttpUrl, type QueryValue, resolveRequestUrl } from "./request-url.js";
import { backoffDelay, isRetryableStatus, parseRetryAfter } from "./retry.js";
import { AttemptFailure, type AttemptResponse, sendOnce } from "./send-once.js";

export interface HttpClientOptions {
  /** Paths given to `getJson` are appended to this URL's path; absolute URLs are used as they are. */
  baseUrl?: string;
  /** Sent as the Authorization header; never logged, never in an error message. */
  credential?: HttpCredential;
  /** Headers sent with every request (e.g. `X-Broker-API-Version`). */
  headers?: Record<string, string>;
  /**
   * Secrets sent some other way than `credential` (CKAN's token in a header of its own): hidden from
   * error messages as the credential is.
   */
  secrets?: string[];
  /** Longest one attempt may take, headers and body (default 10 000 ms). */
  timeoutMs?: number;
  /** Longest one `getJson` call may take, every attempt and wait included (default 60 000 ms). */
  deadlineMs?: number;
  /** Attempts after the first, for 408, 429, 5xx (not 501, 505), network errors and timeouts (default 3). */
  retries?: number;
  /** First backoff step (default 250 ms); it doubles per retry, with jitter, up to `backoffMaxMs`. */
  backoffBaseMs?: number;
  /** Longest backoff step (default 10 000 ms). */
  backoffMaxMs?: number;
  /** A Retry-After longer than this is cut to it (default 60 000 ms). */
  retryAfterMaxMs?: number;
  /** Largest body accepted, after decompression (default 32 MiB). */
  maxBodyBytes?: number;
  /** URLs whose ETag and body are kept for conditional requests (default 16). */
  etagCacheEntries?: number;
  /** Concurrent connections per host (default 4); connections are kept alive between requests. */
  maxSockets?: number;
  /** PEM CA certificate(s) to trust for https:// besides Node's (else NODE_EXTRA_CA_CERTS does it). */
  ca?: string | string[];
  /** Called before each wait for a retry: for a log line or a counter (it gets no credential). */
  onRetry?: (retry: HttpRetry) => void;
  /** Jitter source, for tests (default Math.random). */
  random?: () => number;
}

export interface HttpRetry {
  /** The URL without user info. */
  url: string;
  /** The attempt that failed, 1 for the first. */
  attempt: number;
  /** How long the client waits before the next attempt. */
  delayMs: number;
  /** Why, e.g. "503 Service Unavailable" or "timeout". */
  reason: string;
  /** True when the wait comes from the server's Retry-After. */
  retryAfter: boolean;
}

export interface HttpRequestOptions {
  /** Appended to the URL's query; an array repeats the parameter, undefined leaves it out. */
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  /** Aborts the call (waits for retries included): an HttpError of kind "aborted". */
  signal?: AbortSignal;
  /**
   * Send If-None-Match with the ETag of this URL's last body and, on 304 Not Modified, return that
   * body again (`notModified: true`). Off by default: paging through a catalog would otherwise keep
   * every page in memory.
   */
  etag?: boolean;
  /** Overrides the client's `deadlineMs` for this call. */
  deadlineMs?: number;
}

export interface HttpJsonResponse<T> {
  status: number;
  headers: IncomingHttpHeaders;
  /** The parsed body; on 304 the body cached with the ETag; null for 204. */
  body: T;
  /** The server answered 304 Not Modified: `body` is the one it sent before. */
  notModified: boolean;
  /** Attempts made, 1 when the first succeeded. */
  attempts: number;
  /** The URL without user info. */
  url: string;
  /** Bytes of the body, after decompression (of the cached body on 304). */
  bytes: number;
}

export interface HttpClient {
  /** GET a JSON document; throws HttpError for anything but a 2xx (or 304 with `etag`) and valid JSON. */
  getJson<T = unknown>(path: string, options?: HttpRequestOptions): Promise<HttpJsonResponse<T>>;
  /** Closes kept-alive connections. */
  close(): void;
}

/** What one attempt came to: an answer, or a failure that may be tried again. */
type Outcome<T> =
  | { done: HttpJsonResponse<T> }
  | { error: HttpError; retryReason: string; retryAfterMs: number | undefined };

const ERROR_BODY_BYTES = 4096;
const ERROR_SNIPPET_CHARS = 200;

/**
 * A JSON-over-HTTP client for collectors that read REST APIs. node:http(s) rather than `fetch`:
 * the health server loads node:http anyway, while `fetch` brings undici and its WebAssembly parser
 * (about 3.5 MB more resident memory); with node:http the body cap also stops a read as soon as it
 * is passed.
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const settings = {
    timeoutMs: positive(options.timeoutMs, 10_000, "timeoutMs"),
    deadlineMs: positive(options.deadlineMs, 60_000, "deadlineMs"),
    retries: atLeastZero(options.retries, 3, "retries"),
    backoffBaseMs: positive(options.backoffBaseMs, 250, "backoffBaseMs"),
    backoffMaxMs: positive(options.backoffMaxMs, 10_000, "backoffMaxMs"),
    retryAfterMaxMs: atLeastZero(options.retryAfterMaxMs, 60_000, "retryAfterMaxMs"),
    maxBodyBytes: positive(options.maxBodyBytes, 32 * 1024 * 1024, "maxBodyBytes"),
  };
  const base = options.baseUrl === undefined ? undefined : parseHttpUrl(options.baseUrl, "baseUrl");
  const random = options.random ?? Math.random;
  const redact = redactor(options.credential, options.secrets);
  const cache = new EtagCache(atLeastZero(options.etagCacheEntries, 16, "etagCacheEntries"));
  const maxSockets = positive(options.maxSockets, 4, "maxSockets");
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
  // node:https (and TLS) is loaded only when a URL needs it.
  let httpsAgent: HttpsAgent | undefined;
  const agentFor = async (url: URL): Promise<HttpAgent | HttpsAgent> => {
    if (url.protocol !== "https:") return httpAgent;
    httpsAgent ??= new (await import("node:https")).Agent({ keepAlive: true, maxSockets, ca: options.ca });
    return httpsAgent;
  };
  const fixedHeaders: Record<string, string> = {
    accept: "application/json",
    "accept-encoding": "gzip, deflate",
    ...lowerKeys(options.headers ?? {}),
  };
  if (options.credential !== undefined) fixedHeaders.authorization = authorizationHeader(options.credential);

  async function getJson<T>(path: string, request: HttpRequestOptions = {}): Promise<HttpJsonResponse<T>> {
    const url = resolveRequestUrl(base, path, request.query);
    const shown = displayUrl(url);
    const headers = { ...fixedHeaders, ...lowerKeys(request.headers ?? {}) };
    const cached = request.etag ? cache.get(shown) : undefined;
    if (cached !== undefined) headers["if-none-match"] = cached.etag;
    const error = (
      kind: HttpErrorKind,
      message: string,
      attempts: number,
      retryable: boolean,
      status?: number,
    ) =>
      new HttpError(
        kind,
        `GET ${shown}: ${redact(message)}${attempts > 1 ? ` (after ${attempts} attempts)` : ""}`,
        {
          url: shown,
          status,
          attempts,
          retryable,
        },
      );

    const deadlineMs =
      request.deadlineMs === undefined ? settings.deadlineMs : positive(request.deadlineMs, 0, "deadlineMs");
    const deadlineAt = Date.now() + deadlineMs;
    // One signal for the caller's abort and the deadline. Linked by hand: on Node 20, signals made
    // by AbortSignal.any stay referenced by a long-lived source (the collector's shutdown signal).
    const stop = new AbortController();
    const signal = stop.signal;
    const deadlineTimer = setTimeout(
      () => stop.abort(new AttemptFailure("deadline", `no answer within the deadline of ${deadlineMs} ms`)),
      deadlineMs,
    );
    const callerAborted = () => stop.abort(request.signal?.reason);
    if (request.signal?.aborted) callerAborted();
    else request.signal?.addEventListener("abort", callerAborted, { once: true });

    const attemptOnce = async (attempt: number): Promise<Outcome<T>> => {
      let response: AttemptResponse;
      const remainingMs = deadlineAt - Date.now();
      try {
        response = await sendOnce(url, {
          method: "GET",
          headers,
          agent: await agentFor(url),
          timeoutMs: Math.max(1, Math.min(settings.timeoutMs, remainingMs)),
          signal,
          maxBodyBytes: settings.maxBodyBytes,
          maxErrorBodyBytes: ERROR_BODY_BYTES,
        });
      } catch (failure) {
        if (!(failure instanceof AttemptFailure)) throw failure;
        // An attempt cut to what was left of the deadline ends with the deadline, whichever timer
        // fired first.
        if (failure.kind === "timeout" && remainingMs <= settings.timeoutMs) {
          throw error("deadline", `no answer within the deadline of ${deadlineMs} ms`, attempt, false);
        }
        const retryable = failure.kind === "network" || failure.kind === "timeout";
        const failed = error(failure.kind, failure.message, attempt, retryable);
        if (!retryable) throw failed;
        return {
          error: failed,
          retryReason: failure.kind === "timeout" ? "timeout" : failure.message,
          retryAfterMs: undefined,
        };
      }
      const { status } = response;
      const answer = (body: Buffer, notModified: boolean): Outcome<T> => {
        const parsed = parseJsonBody(body, status, response.headers["content-type"]);
        if (!parsed.ok) throw error("malformed-json", parsed.message, attempt, false);
        return {
          done: {
            status,
            headers: response.headers,
            body: parsed.value as T,
            notModified,
            attempts: attempt,
            url: shown,
            bytes: body.length,
          },
        };
      };
      if (status === 304 && cached !== undefined) return answer(cached.body, true);
      if (status >= 200 && status < 300) {
        const etag = response.headers.etag;
        if (request.etag && typeof etag === "string" && etag !== "") cache.set(shown, etag, response.body);
        return answer(response.body, false);
      }
      const statusText = `${status} ${response.statusMessage}`.trim();
      if (status === 304) {
        throw error(
          "status",
          `${statusText}, but no body is cached for this URL (ask with etag: true)`,
          attempt,
          false,
          status,
        );
      }
      if (status >= 300 && status < 400) {
        const location = response.headers.location;
        throw error(
          "redirect",
          `${statusText}${location ? ` to ${location}` : ""}: redirects are not followed; configure the URL they lead to`,
          attempt,
          false,
          status,
        );
      }
      const retryable = isRetryableStatus(status);
      const failed = error("status", `${statusText}${snippet(response.body)}`, attempt, retryable, status);
      if (!retryable) throw failed;
      return {
        error: failed,
        retryReason: statusText,
        retryAfterMs: parseRetryAfter(response.headers["retry-after"], Date.now()),
      };
    };

    const stopped = (attempt: number): HttpError => {
      const reason: unknown = signal.reason;
      if (reason instanceof AttemptFailure) return error(reason.kind, reason.message, attempt, false);
      return error(
        "aborted",
        `aborted: ${reason instanceof Error ? reason.message : String(reason)}`,
        attempt,
        false,
      );
    };

    try {
      for (let attempt = 1; ; attempt++) {
        const outcome = await attemptOnce(attempt);
        if ("done" in outcome) return outcome.done;
        if (attempt > settings.retries) throw outcome.error;
        const delayMs =
          outcome.retryAfterMs !== undefined
            ? Math.min(outcome.retryAfterMs, settings.retryAfterMaxMs)
            : backoffDelay(attempt - 1, settings.backoffBaseMs, settings.backoffMaxMs, random);
        if (Date.now() + delayMs >= deadlineAt) {
          throw new HttpError(
            outcome.error.kind,
            `${outcome.error.message}; the next attempt, in ${Math.round(delayMs)} ms, would pass the deadline of ${deadlineMs} ms`,
            { url: shown, status: outcome.error.status, attempts: attempt, retryable: true },
          );
        }
        options.onRetry?.({
          url: shown,
          attempt,
          delayMs,
          reason: outcome.retryReason,
          retryAfter: outcome.retryAfterMs !== undefined,
        });
        try {
          await sleep(delayMs, undefined, { signal });
        } catch {
          throw stopped(attempt);
        }
      }
    } finally {
      clearTimeout(deadlineTimer);
      request.signal?.removeEventListener("abort", callerAborted);
    }
  }

  return {
    getJson,
    close() {
      httpAgent.destroy();
      httpsAgent?.destroy();
    },
  };
}

function snippet(body: Buffer): string {
  const text = body.toString("utf8").replace(/\s+/g, " ").trim();
  if (text === "") return "";
  return `: ${text.length > ERROR_SNIPPET_CHARS ? `${text.slice(0, ERROR_SNIPPET_CHARS)}...` : text}`;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} ${value}: expected a number above 0`);
  return value;
}

function atLeastZero(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} ${value}: expected 0 or more`);
  return value;
}
