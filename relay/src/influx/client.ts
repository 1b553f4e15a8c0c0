import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { Pool } from "undici";
import type { Replica } from "../config.js";

const gzipAsync = promisify(gzip);
// Below this a body is sent as is: compressing it costs more than it saves.
const GZIP_MIN_BYTES = 32 * 1024;

export interface InfluxAnswer {
  status: number;
  /** InfluxDB's error text (`{"error": ...}` or a statement's error), or the raw body. */
  message: string;
  /** Whether InfluxDB reported an error, also inside a 200 answer to a query. */
  failed: boolean;
}

/** The v1 HTTP API of one replica (`/write`, `/query`, `/ping`), over a keep-alive pool. */
export class InfluxClient {
  private readonly pool: Pool;
  private readonly authorization: string | undefined;

  constructor(
    readonly replica: Replica,
    private readonly options: {
      db: string;
      username?: string;
      password?: string;
      timeoutMs: number;
      gzip: boolean;
      /** Retention policy every write names; unset: the database's default. */
      rp?: string;
    },
  ) {
    this.pool = new Pool(replica.url, { connections: 4, pipelining: 1, keepAliveTimeout: 30_000 });
    // InfluxDB 1.x takes basic auth (not `Authorization: Token`); 2.x and 3.x take it on their v1 API too.
    this.authorization = options.username
      ? `Basic ${Buffer.from(`${options.username}:${options.password ?? ""}`).toString("base64")}`
      : undefined;
  }

  /** Writes lines, given as a list or already joined with newlines and encoded. */
  async write(lines: readonly string[] | Buffer, rp = this.options.rp): Promise<InfluxAnswer> {
    const text = Buffer.isBuffer(lines) ? lines : lines.join("\n");
    const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
    if (this.authorization) headers.authorization = this.authorization;
    let body: string | Buffer = text;
    if (this.options.gzip && text.length >= GZIP_MIN_BYTES) {
      body = await gzipAsync(text, { level: 1 });
      headers["content-encoding"] = "gzip";
    }
    const query = new URLSearchParams({ db: this.options.db, precision: "ns", ...(rp ? { rp } : {}) });
    return this.request("POST", `/write?${query}`, headers, body);
  }

  async query(q: string): Promise<InfluxAnswer> {
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
    if (this.authorization) headers.authorization = this.authorization;
    return this.request("POST", "/query", headers, new URLSearchParams({ q }).toString());
  }

  async ping(): Promise<boolean> {
    const answer = await this.request("GET", "/ping", {}, undefined).catch(() => undefined);
    return answer?.status === 204;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
  ): Promise<InfluxAnswer> {
    const response = await this.pool.request({
      method: method as "GET" | "POST",
      path,
      headers,
      body,
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
    });
    const text = await response.body.text();
    let message = text.trim();
    let failed = response.statusCode >= 300;
    try {
      const parsed = JSON.parse(text) as { error?: unknown; results?: { error?: unknown }[] };
      const error = parsed.error ?? parsed.results?.find((r) => r.error !== undefined)?.error;
      if (typeof error === "string") {
        message = error;
        failed = true;
      }
    } catch {
      // Not JSON (a proxy's page, an empty 204): keep the text.
    }
    return { status: response.statusCode, message, failed };
  }
}
