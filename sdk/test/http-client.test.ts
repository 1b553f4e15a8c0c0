import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { testCertificate } from "@platform-metrics/testing";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpClient, HttpError, type HttpRetry, parseRetryAfter } from "../src/http/index.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server on a free port that answers request n with handlers[n] (the last one repeats). */
async function serve(...handlers: Handler[]): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    (handlers[Math.min(requests.length, handlers.length) - 1] as Handler)(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };

async function failure(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

const fast = { backoffBaseMs: 1, backoffMaxMs: 5, random: () => 0 };

describe("HTTP client", () => {
  it("waits as long as a 429's Retry-After (seconds) says, then returns the JSON", async () => {
    const { url } = await serve(
      json(429, { error: "slow down" }, { "retry-after": "1" }),
      json(200, { items: [1, 2] }),
    );
    const retries: HttpRetry[] = [];
    const client = createHttpClient({ baseUrl: url, ...fast, onRetry: (r) => retries.push(r) });
    const response = await client.getJson<{ items: number[] }>("/things");
    expect(response.body.items).toEqual([1, 2]);
    expect(response.attempts).toBe(2);
    expect(retries).toEqual([
      { url: `${url}/things`, attempt: 1, delayMs: 1000, reason: "429 Too Many Requests", retryAfter: true },
    ]);
    client.close();
  });

  it("reads a Retry-After HTTP-date and caps a long one at retryAfterMaxMs", async () => {
    const past = new Date(Date.now() - 60_000).toUTCString();
    const { url } = await serve(
      json(503, "", { "retry-after": past }),
      json(429, "", { "retry-after": "86400" }),
      json(200, { ok: true }),
    );
    const retries: HttpRetry[] = [];
    const client = createHttpClient({ ...fast, retryAfterMaxMs: 20, onRetry: (r) => retries.push(r) });
    expect((await client.getJson(url)).body).toEqual({ ok: true });
    expect(retries.map((r) => [r.delayMs, r.retryAfter])).toEqual([
      [0, true],
      [20, true],
    ]);
    client.close();
  });

  it("tries a 500 again and returns the next OK answer", async () => {
    const { url, requests } = await serve(json(500, "boom"), json(200, { n: 1 }));
    const client = createHttpClient({ ...fast });
    const response = await client.getJson(url);
    expect(response).toMatchObject({ status: 200, body: { n: 1 }, attempts: 2, notModified: false });
    expect(requests).toHaveLength(2);
    client.close();
  });

  it("gives up after `retries` and says which status and how many attempts", async () => {
    const { url, requests } = await serve(json(502, { message: "upstream down" }));
    const client = createHttpClient({ ...fast, retries: 2 });
    const error = await failure(client.getJson(`${url}/x`));
    expect(error).toMatchObject({ kind: "status", status: 502, attempts: 3, retryable: true });
    expect(error.message).toBe(
      `GET ${url}/x: 502 Bad Gateway: {"message":"upstream down"} (after 3 attempts)`,
    );
    expect(requests).toHaveLength(3);
    client.close();
  });

  it("does not try a 404 or a 501 again", async () => {
    const { url, requests } = await serve(json(404, { error: "no" }), json(501, ""));
    const client = createHttpClient({ ...fast });
    expect(await failure(client.getJson(url))).toMatchObject({
      kind: "status",
      status: 404,
      attempts: 1,
      retryable: false,
    });
    expect(await failure(client.getJson(url))).toMatchObject({ kind: "status", status: 501, attempts: 1 });
    expect(requests).toHaveLength(2);
    client.close();
  });

  it("names the URL in a malformed-JSON error, never the credential", async () => {
    const token = "s3cret-token-value";
    const { url } = await serve(json(200, `<html>${token}</html>`, { "content-type": "text/html" }));
    const client = createHttpClient({ baseUrl: `${url}/api`, credential: { type: "bearer", token } });
    const error = await failure(client.getJson("/entities", { query: { limit: 5 } }));
    expect(error.kind).toBe("malformed-json");
    expect(error.message).toContain(
      `GET ${url}/api/entities?limit=5: malformed JSON (status 200, 31 bytes, content-type text/html): Unexpected token '<'`,
    );
    expect(error.message).not.toContain(token.slice(0, 4));
    expect(error.attempts).toBe(1);
    client.close();
  });

  it("calls an empty 200 body malformed and a 204 null", async () => {
    const { url } = await serve(json(200, ""), (_req, res) => res.writeHead(204).end());
    const client = createHttpClient();
    expect((await failure(client.getJson(url))).message).toContain("the body is empty");
    expect((await client.getJson(url)).body).toBeNull();
    client.close();
  });

  it("refuses a body over maxBodyBytes, declared or streamed", async () => {
    const big = JSON.stringify({ data: "x".repeat(10_000) });
    const { url } = await serve(json(200, big), (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      // No Content-Length: chunked, so the cap must stop the read itself.
      for (let i = 0; i < 20; i++) res.write("x".repeat(1000));
      res.end();
    });
    const client = createHttpClient({ maxBodyBytes: 5000 });
    const declared = await failure(client.getJson(url));
    expect(declared).toMatchObject({ kind: "too-large", retryable: false });
    expect(declared.message).toBe(
      `GET ${url}/: Content-Length 10011 is over the limit of 5000 bytes (maxBodyBytes)`,
    );
    expect(await failure(client.getJson(url))).toMatchObject({ kind: "too-large", attempts: 1 });
    client.close();
  });

  it("applies the cap to the decompressed body and reads gzip", async () => {
    const small = gzipSync(JSON.stringify({ ok: 1 }));
    const bomb = gzipSync(`[${"0,".repeat(100_000)}0]`);
    const gz =
      (body: Buffer): Handler =>
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
        res.end(body);
      };
    const { url, requests } = await serve(gz(small), gz(bomb));
    const client = createHttpClient({ maxBodyBytes: 10_000 });
    expect((await client.getJson(url)).body).toEqual({ ok: 1 });
    expect(requests[0]?.headers["accept-encoding"]).toContain("gzip");
    expect(bomb.length).toBeLessThan(10_000);
    expect(await failure(client.getJson(url))).toMatchObject({ kind: "too-large" });
    client.close();
  });

  it("ends an attempt that gets no answer within timeoutMs, and tries again", async () => {
    const { url, requests } = await serve(() => {}, json(200, { late: false }));
    const client = createHttpClient({ ...fast, timeoutMs: 200 });
    const response = await client.getJson(url);
    expect(response.body).toEqual({ late: false });
    // The second request is answered at once; on a very busy machine even that may time out once more.
    expect(response.attempts).toBeGreaterThanOrEqual(2);
    expect(requests.length).toBe(response.attempts);
    client.close();
  });

  it("stops at the deadline with an error saying so", async () => {
    const { url } = await serve(() => {});
    const client = createHttpClient({ ...fast, timeoutMs: 60_000, deadlineMs: 150 });
    const error = await failure(client.getJson(url));
    expect(error.kind).toBe("deadline");
    expect(error.message).toBe(`GET ${url}/: no answer within the deadline of 150 ms`);
    client.close();
  });

  it("does not start a retry the deadline would cut short", async () => {
    const { url, requests } = await serve(json(429, "", { "retry-after": "30" }));
    const client = createHttpClient({ ...fast, deadlineMs: 5000 });
    const error = await failure(client.getJson(url));
    expect(error).toMatchObject({ kind: "status", status: 429, attempts: 1 });
    expect(error.message).toContain("the next attempt, in 30000 ms, would pass the deadline of 5000 ms");
    expect(requests).toHaveLength(1);
    client.close();
  });

  it("stops when the caller's signal aborts, also while waiting to retry", async () => {
    const { url } = await serve(json(503, "", { "retry-after": "50" }));
    const client = createHttpClient({ ...fast });
    const controller = new AbortController();
    const pending = client.getJson(url, { signal: controller.signal });
    controller.abort(new Error("shutting down"));
    const error = await failure(pending);
    expect(error.kind).toBe("aborted");
    expect(error.message).toContain("aborted: shutting down");
    client.close();
  });

  it("retries a refused connection and then reports a network error", async () => {
    const { url } = await serve(json(200, {}));
    const port = Number(new URL(url).port);
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const retries: HttpRetry[] = [];
    const client = createHttpClient({ ...fast, retries: 2, onRetry: (r) => retries.push(r) });
    const error = await failure(client.getJson(`http://127.0.0.1:${port}/`));
    expect(error).toMatchObject({ kind: "network", attempts: 3, retryable: true });
    expect(error.message).toContain("ECONNREFUSED");
    expect(retries.map((r) => r.retryAfter)).toEqual([false, false]);
    client.close();
  });

  it("sends a bearer token, and keeps it out of errors even when the server echoes it", async () => {
    const token = "tok-1234567890";
    const { url, requests } = await serve((req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `bad credential ${req.headers.authorization}` }));
    });
    const client = createHttpClient({ baseUrl: url, credential: { type: "bearer", token } });
    const error = await failure(client.getJson("/x"));
    expect(requests[0]?.headers.authorization).toBe(`Bearer ${token}`);
    expect(error).toMatchObject({ kind: "status", status: 401, attempts: 1 });
    expect(error.message).toBe(`GET ${url}/x: 401 Unauthorized: {"error":"bad credential Bearer ***"}`);
    client.close();
  });

  it("hides the secrets it is given besides its credential (a token in an API's own header)", async () => {
    const { url } = await serve((req, res) => {
      res.writeHead(403).end(`token ${req.headers["x-ckan-api-key"]} refused`);
    });
    const client = createHttpClient({
      baseUrl: url,
      headers: { "X-CKAN-API-Key": "ckan-token-1234" },
      secrets: ["ckan-token-1234"],
    });
    const error = await failure(client.getJson("/api/3/action/package_search"));
    expect(error.message).toBe(`GET ${url}/api/3/action/package_search: 403 Forbidden: token *** refused`);
    client.close();
  });

  it("sends basic credentials and extra headers, and redacts the password and its base64 form", async () => {
    const { url, requests } = await serve((req, res) => {
      res.writeHead(403).end(`${req.headers.authorization} pass=hunter2-secret`);
    });
    const client = createHttpClient({
      baseUrl: url,
      credential: { type: "basic", username: "broker", password: "hunter2-secret" },
      headers: { "X-Broker-API-Version": "2.17" },
    });
    const error = await failure(client.getJson("/v2/catalog"));
    const expected = Buffer.from("broker:hunter2-secret").toString("base64");
    expect(requests[0]?.headers.authorization).toBe(`Basic ${expected}`);
    expect(requests[0]?.headers["x-broker-api-version"]).toBe("2.17");
    expect(error.message).toBe(`GET ${url}/v2/catalog: 403 Forbidden: Basic *** pass=***`);
    client.close();
  });

  it("sends If-None-Match and returns the cached body on 304", async () => {
    const { url, requests } = await serve(json(200, { services: ["a"] }, { etag: '"v1"' }), (req, res) => {
      res.writeHead(req.headers["if-none-match"] === '"v1"' ? 304 : 200).end();
    });
    const client = createHttpClient({ baseUrl: url });
    const first = await client.getJson("/v2/catalog", { etag: true });
    const second = await client.getJson("/v2/catalog", { etag: true });
    expect(requests[0]?.headers["if-none-match"]).toBeUndefined();
    expect(requests[1]?.headers["if-none-match"]).toBe('"v1"');
    expect(first).toMatchObject({ notModified: false, body: { services: ["a"] } });
    expect(second).toMatchObject({ status: 304, notModified: true, body: { services: ["a"] } });
    expect(second.body).not.toBe(first.body);
    client.close();
  });

  it("keeps no ETag when not asked to, and calls a 304 without a cached body an error", async () => {
    const { url, requests } = await serve(json(200, { a: 1 }, { etag: '"v1"' }), (_req, res) =>
      res.writeHead(304).end(),
    );
    const client = createHttpClient({ baseUrl: url });
    await client.getJson("/p");
    const error = await failure(client.getJson("/p"));
    expect(error).toMatchObject({ kind: "status", status: 304, retryable: false });
    expect(error.message).toContain("304 Not Modified, but no body is cached for this URL");
    expect(requests[1]?.headers["if-none-match"]).toBeUndefined();
    client.close();
  });

  it("does not follow a redirect", async () => {
    const { url } = await serve((_req, res) =>
      res.writeHead(302, { location: "http://elsewhere.example/" }).end(),
    );
    const client = createHttpClient({ credential: { type: "bearer", token: "abcd1234" } });
    const error = await failure(client.getJson(url));
    expect(error).toMatchObject({ kind: "redirect", status: 302, attempts: 1 });
    expect(error.message).toContain("302 Found to http://elsewhere.example/: redirects are not followed");
    client.close();
  });

  it("joins paths to the base URL's path and repeats array query parameters", async () => {
    const { url, requests } = await serve(json(200, []));
    const client = createHttpClient({ baseUrl: `${url}/api/catalog/` });
    await client.getJson("/entities/by-query?limit=2", {
      query: { fields: "kind,metadata.name", filter: ["kind=component", "kind=api"], cursor: undefined },
    });
    expect(requests[0]?.url).toBe(
      "/api/catalog/entities/by-query?limit=2&fields=kind%2Cmetadata.name&filter=kind%3Dcomponent&filter=kind%3Dapi",
    );
    client.close();
  });

  it("reads https:// with a CA given to it, and refuses a certificate it does not trust", async () => {
    const { cert, key } = await testCertificate();
    const server = createHttpsServer({ cert, key }, json(200, { secure: true }));
    servers.push(server as unknown as Server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const trusting = createHttpClient({ ca: cert, retries: 0 });
    expect((await trusting.getJson(url)).body).toEqual({ secure: true });
    const untrusting = createHttpClient({ retries: 0 });
    const error = await failure(untrusting.getJson(url));
    expect(error.kind).toBe("network");
    expect(error.message).toMatch(/self[- ]signed|certificate/i);
    trusting.close();
    untrusting.close();
  });

  it("refuses URLs with credentials in them or another scheme, without echoing the password", () => {
    expect(() => createHttpClient({ baseUrl: "http://user:pw-secret@host/" })).toThrow(
      'baseUrl "http://host/": has a user name or password in it',
    );
    expect(() => createHttpClient({ baseUrl: "ftp://host/" })).toThrow(
      "expected http:// or https://, got ftp:",
    );
    expect(() => createHttpClient({ baseUrl: "not a url" })).toThrow(
      'baseUrl "not a url": expected an absolute',
    );
    expect(() => createHttpClient({ timeoutMs: 0 })).toThrow("timeoutMs 0: expected a number above 0");
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it.each([
    ["120", 120_000],
    [" 0 ", 0],
    ["Thu, 01 Jan 2026 00:00:30 GMT", 30_000],
    ["Wed, 31 Dec 2025 23:00:00 GMT", 0],
    ["soon", undefined],
    ["-5", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("reads %j as %j ms", (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
});
