import type { Agent as HttpAgent, IncomingHttpHeaders, IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import type { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";

export interface AttemptOptions {
  method: string;
  headers: Record<string, string>;
  agent: HttpAgent | HttpsAgent;
  /** Ends the attempt as "timeout" after this long, the body included. */
  timeoutMs: number;
  /** Ends the attempt as "aborted" (the caller's signal) or "deadline". */
  signal: AbortSignal;
  /** Bodies of 2xx responses larger than this end the attempt as "too-large". */
  maxBodyBytes: number;
  /** Bodies of other responses are cut at this length (only a snippet is quoted in errors). */
  maxErrorBodyBytes: number;
}

export interface AttemptResponse {
  status: number;
  statusMessage: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Why an attempt ended without a response; the client turns it into an HttpError. */
export class AttemptFailure extends Error {
  constructor(
    readonly kind: "network" | "timeout" | "aborted" | "deadline" | "too-large",
    message: string,
  ) {
    super(message);
  }
}

/** One HTTP exchange: the whole body in memory (up to the cap), decompressed. */
export async function sendOnce(url: URL, options: AttemptOptions): Promise<AttemptResponse> {
  const request = url.protocol === "https:" ? (await import("node:https")).request : httpRequest;
  return new Promise<AttemptResponse>((resolve, reject) => {
    let settled = false;
    let response: IncomingMessage | undefined;
    const fail = (failure: AttemptFailure) => {
      if (settled) return;
      settled = true;
      cleanup();
      req.destroy();
      response?.destroy();
      reject(failure);
    };
    const timer = setTimeout(
      () => fail(new AttemptFailure("timeout", `no complete response within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const onAbort = () => {
      const reason: unknown = options.signal.reason;
      fail(
        reason instanceof AttemptFailure
          ? reason
          : new AttemptFailure(
              "aborted",
              `aborted: ${reason instanceof Error ? reason.message : String(reason)}`,
            ),
      );
    };
    const cleanup = () => {
      clearTimeout(timer);
      options.signal.removeEventListener("abort", onAbort);
    };

    const req = request(
      url,
      { method: options.method, headers: options.headers, agent: options.agent },
      (res) => {
        response = res;
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        const limit = ok ? options.maxBodyBytes : options.maxErrorBodyBytes;
        const declared = Number(res.headers["content-length"]);
        if (ok && Number.isFinite(declared) && declared > limit) {
          fail(tooLarge(limit, `Content-Length ${declared}`));
          return;
        }
        const chunks: Buffer[] = [];
        let bytes = 0;
        const finish = () => {
          if (settled) return;
          settled = true;
          cleanup();
          resolve({
            status,
            statusMessage: res.statusMessage ?? "",
            headers: res.headers,
            body: Buffer.concat(chunks, bytes),
          });
        };
        const body = decoded(res);
        body.on("data", (chunk: Buffer) => {
          if (settled) return;
          const room = limit - bytes;
          if (chunk.length > room) {
            if (ok) return fail(tooLarge(limit, "the body"));
            // An error body is only quoted: keep its start and stop reading.
            chunks.push(chunk.subarray(0, room));
            bytes += room;
            finish();
            res.destroy();
            return;
          }
          chunks.push(chunk);
          bytes += chunk.length;
        });
        body.on("end", finish);
        body.on("error", (error) =>
          fail(new AttemptFailure("network", `reading the body: ${error.message}`)),
        );
        res.on("aborted", () => fail(new AttemptFailure("network", "the connection closed mid-response")));
        res.on("error", (error) => fail(new AttemptFailure("network", `reading the body: ${error.message}`)));
      },
    );
    req.on("error", (error) => fail(new AttemptFailure("network", error.message)));
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener("abort", onAbort, { once: true });
    req.end();
  });
}

function tooLarge(limit: number, what: string): AttemptFailure {
  return new AttemptFailure("too-large", `${what} is over the limit of ${limit} bytes (maxBodyBytes)`);
}

/** The body as sent before Content-Encoding; the size cap applies to the decoded bytes (a small gzip can unpack to gigabytes). */
function decoded(res: IncomingMessage): Readable {
  const encoding = String(res.headers["content-encoding"] ?? "identity")
    .trim()
    .toLowerCase();
  if (encoding === "gzip" || encoding === "x-gzip") return res.pipe(createGunzip());
  if (encoding === "deflate") return res.pipe(createInflate());
  if (encoding === "br") return res.pipe(createBrotliDecompress());
  return res;
}
