import type { IncomingHttpHeaders } from "node:http";
import type { TLSSocket } from "node:tls";
import { ProbeFailure, reasonOf } from "./reasons.js";

export interface ExchangeOptions {
  headers: Record<string, string>;
  maxBodyBytes: number;
  /** Keep the body (scrape, versionPath); otherwise it is only counted. */
  keepBody: boolean;
  /** PEM of the CA to trust instead of the system's. */
  ca?: string;
  rejectUnauthorized: boolean;
  signal: AbortSignal;
}

export interface Timings {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  ttfbMs?: number;
}

export interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  /** Empty unless keepBody. */
  body: Buffer;
  /** Body bytes read. */
  size: number;
  timings: Timings;
  certDaysLeft?: number;
}

// node:http and node:https are loaded on the first probe, not when the collector is imported.
let modules: Promise<[typeof import("node:http"), typeof import("node:https")]> | undefined;
const load = () => {
  modules ??= Promise.all([import("node:http"), import("node:https")]);
  return modules;
};

const DAY_MS = 86_400_000;

/**
 * One GET on a connection of its own (no keep-alive: every probe measures a lookup, a connect and a
 * handshake, as a new client would), timed phase by phase from the socket's events. The body is
 * read up to maxBodyBytes; more is a ProbeFailure("payload"). The signal ends everything at once.
 */
export async function exchange(url: URL, options: ExchangeOptions): Promise<Exchange> {
  const [http, https] = await load();
  const { signal } = options;
  if (signal.aborted) throw new ProbeFailure("timeout", "no time left");
  return new Promise<Exchange>((resolve, reject) => {
    const started = performance.now();
    const timings: Timings = {};
    let lookedUp: number | undefined;
    let connected: number | undefined;
    let certDaysLeft: number | undefined;
    let settled = false;
    const finish = (error: unknown, result?: Exchange) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      if (error === undefined) resolve(result!);
      else {
        request.destroy();
        reject(reasonOf(error));
      }
    };
    const onAbort = () => finish(new ProbeFailure("timeout", "no complete answer within the timeout"));
    const secure = url.protocol === "https:";
    const request = (secure ? https : http).request(url, {
      method: "GET",
      headers: { "user-agent": "pm-collector-component-status", ...options.headers },
      agent: false,
      ...(secure ? { ca: options.ca, rejectUnauthorized: options.rejectUnauthorized } : {}),
    });
    signal.addEventListener("abort", onAbort, { once: true });
    request.on("socket", (socket) => {
      socket.once("lookup", () => {
        lookedUp = performance.now();
        timings.dnsMs = lookedUp - started;
      });
      socket.once("connect", () => {
        connected = performance.now();
        timings.connectMs = connected - (lookedUp ?? started);
      });
      socket.once("secureConnect", () => {
        timings.tlsMs = performance.now() - (connected ?? started);
        const notAfter = Date.parse((socket as TLSSocket).getPeerCertificate().valid_to ?? "");
        if (Number.isFinite(notAfter)) certDaysLeft = (notAfter - Date.now()) / DAY_MS;
      });
    });
    request.on("error", finish);
    request.on("response", (response) => {
      timings.ttfbMs = performance.now() - started;
      const declared = Number(response.headers["content-length"]);
      if (declared > options.maxBodyBytes) {
        finish(new ProbeFailure("payload", `body of ${declared} bytes, more than ${options.maxBodyBytes}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBodyBytes) {
          finish(new ProbeFailure("payload", `body larger than ${options.maxBodyBytes} bytes`));
          return;
        }
        if (options.keepBody) chunks.push(chunk);
      });
      response.on("error", finish);
      response.on("aborted", () => finish(new ProbeFailure("reset", "the answer ended early")));
      response.on("end", () =>
        finish(undefined, {
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: options.keepBody ? Buffer.concat(chunks, size) : Buffer.alloc(0),
          size,
          timings,
          certDaysLeft,
        }),
      );
    });
    request.end();
  });
}
