import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { Pool, errors as undiciErrors } from "undici";
import type { InfluxReplica } from "../contracts/influx-urls.js";
import { basicAuthorization, type InfluxAnswer, toAnswer } from "./answer.js";
import { fetchText } from "./fetch-text.js";

const gzipAsync = promisify(gzip);
// Below this a body is sent as is: compressing it costs more than it saves.
const GZIP_MIN_BYTES = 32 * 1024;

export interface InfluxCredentials {
  username: string;
  password?: string;
}

export interface InfluxClientOptions {
  /** Database of writes, unless a call names another (a query names its own). */
  db?: string;
  username?: string;
  password?: string;
  /** Time limit of one request: until the headers, and between body chunks. */
  timeoutMs: number;
  /** Kept-alive connections (default 4). */
  connections?: number;
  /** Requests sent on a connection before the first answer (default 1). */
  pipelining?: number;
  /** Gzip write bodies from 32 KiB (default false). */
  gzip?: boolean;
  /** Retention policy every write names; unset: the database's default. */
  rp?: string;
}

export interface InfluxWriteOptions {
  db?: string;
  rp?: string;
  precision?: "ns" | "u" | "ms" | "s" | "m" | "h";
  /** Credentials for this call; `null` sends none. */
  auth?: InfluxCredentials | null;
}

export interface InfluxQueryOptions {
  db?: string;
  /** GET for reads (influxd refuses writes such as CREATE by GET), POST (default) for anything. */
  method?: "GET" | "POST";
  /** Credentials for this call; `null` sends none. */
  auth?: InfluxCredentials | null;
  /** Aborts the request and closes its connection, which stops the query in influxd. */
  signal?: AbortSignal;
}

/**
 * The v1 HTTP API of one InfluxDB (`/write`, `/query`, `/ping`), which 1.x serves natively and 2.x and
 * 3.x through their v1 compatibility API, over a pool of kept-alive connections. Answers are returned,
 * not thrown: what an error means (retry, refuse, fail over) is the caller's business. A network
 * failure or time-out rejects (isTimeoutError tells which).
 */
export class InfluxV1Client {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly authorization: string | undefined;

  constructor(
    readonly replica: InfluxReplica,
    private readonly options: InfluxClientOptions,
  ) {
    const url = new URL(replica.url);
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 4,
      pipelining: options.pipelining ?? 1,
      keepAliveTimeout: 30_000,
    });
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.authorization = options.username
      ? basicAuthorization(options.username, options.password)
      : undefined;
  }

  /** Writes lines, given as a list, as text, or already joined with newlines and encoded. */
  async write(
    lines: readonly string[] | string | Buffer,
    options: InfluxWriteOptions = {},
  ): Promise<InfluxAnswer> {
    const text = typeof lines === "string" || Buffer.isBuffer(lines) ? lines : lines.join("\n");
    const headers = this.headers(options.auth, "text/plain; charset=utf-8");
    let body: string | Buffer = text;
    if (this.options.gzip && text.length >= GZIP_MIN_BYTES) {
      body = await gzipAsync(text, { level: 1 });
      headers["content-encoding"] = "gzip";
    }
    const db = options.db ?? this.options.db;
    const rp = options.rp ?? this.options.rp;
    const query = new URLSearchParams({
      ...(db !== undefined ? { db } : {}),
      precision: options.precision ?? "ns",
      ...(rp ? { rp } : {}),
    });
    return this.request("POST", `/write?${query}`, headers, body);
  }

  /** Runs InfluxQL. A lone UTF-16 surrogate in `q` throws a URIError before anything is sent. */
  async query(q: string, options: InfluxQueryOptions = {}): Promise<InfluxAnswer> {
    const db = options.db;
    const params = `${db !== undefined ? `db=${encodeURIComponent(db)}&` : ""}q=${encodeURIComponent(q)}`;
    if (options.method === "GET") {
      const headers = this.headers(options.auth);
      headers.accept = "application/json";
      return this.request("GET", `/query?${params}`, headers, undefined, options.signal);
    }
    const headers = this.headers(options.auth, "application/x-www-form-urlencoded");
    return this.request("POST", "/query", headers, params, options.signal);
  }

  /** The status of `/ping` (204 when InfluxDB is up); rejects when there is no answer in time. */
  async ping(timeoutMs = this.options.timeoutMs): Promise<number> {
    const answer = await this.request(
      "GET",
      "/ping",
      this.headers(undefined),
      undefined,
      undefined,
      timeoutMs,
    );
    return answer.status;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private headers(auth: InfluxCredentials | null | undefined, contentType?: string): Record<string, string> {
    const headers: Record<string, string> = contentType ? { "content-type": contentType } : {};
    const authorization =
      auth === null
        ? undefined
        : auth
          ? basicAuthorization(auth.username, auth.password)
          : this.authorization;
    if (authorization) headers.authorization = authorization;
    return headers;
  }

  private async request(
    method: "GET" | "POST",
    path: string,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
    signal?: AbortSignal,
    timeoutMs = this.options.timeoutMs,
  ): Promise<InfluxAnswer> {
    // influxd sends its headers only once the answer is ready, so the headers timeout bounds the
    // request; undici's own timers cost less than an AbortSignal per request.
    const { statusCode, text } = await fetchText(
      this.pool,
      {
        method,
        path: `${this.basePath}${path}`,
        headers,
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      },
      signal,
    );
    return toAnswer(statusCode, text);
  }
}

/** Whether a request failed because the replica gave no answer in time. */
export function isTimeoutError(error: unknown): boolean {
  return error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError;
}
