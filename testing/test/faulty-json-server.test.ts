import { afterEach, describe, expect, it } from "vitest";
import { FaultyJsonServer, type JsonAnswer, type RecordedRequest, waitFor } from "../src/index.js";

/** The smallest simulated API: echoes what it was asked, with a greeting a test can change. */
class EchoServer extends FaultyJsonServer {
  greeting = "hello";

  static async start(): Promise<EchoServer> {
    const server = new EchoServer();
    await server.listen();
    return server;
  }

  protected answer(request: RecordedRequest, query: URLSearchParams): JsonAnswer {
    if (request.path === "/boom") throw new Error("kaboom");
    if (request.path === "/empty") return { status: 304, headers: { etag: '"e"' } };
    return { status: 200, body: { greeting: this.greeting, path: request.path, tags: query.getAll("tag") } };
  }

  protected override faultBody(status: number): unknown {
    return { error: `echo says ${status}` };
  }
}

const servers: EchoServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function echo(): Promise<EchoServer> {
  const server = await EchoServer.start();
  servers.push(server);
  return server;
}

/** The status of a GET, or "no answer" when the connection ends without one. */
async function statusOf(url: string): Promise<number | "no answer"> {
  return fetch(url).then(
    (response) => response.status,
    () => "no answer" as const,
  );
}

describe("FaultyJsonServer", () => {
  it("answers with the API's JSON and records each request: method, path, query, headers, time", async () => {
    const server = await echo();
    const before = Date.now();
    const response = await fetch(`${server.url}/items?tag=a&tag=b&page=2`, { headers: { "x-who": "me" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toEqual({ greeting: "hello", path: "/items", tags: ["a", "b"] });
    await fetch(`${server.url}/items?page=3`);
    await fetch(`${server.url}/other`);

    const [first] = server.requests;
    expect(first).toMatchObject({ method: "GET", path: "/items", query: { tag: "b", page: "2" } });
    expect(first?.headers["x-who"]).toBe("me");
    expect(first?.at).toBeGreaterThanOrEqual(before);
    expect(first?.fault).toBeUndefined();
    expect(server.requestsTo("/items")).toHaveLength(2);
    expect(server.requestsTo("/items", { page: "3" }).map((r) => r.query.page)).toEqual(["3"]);
    expect(server.requestsTo("/items", { page: "9" })).toEqual([]);
    expect(server.requests.map((r) => r.path)).toEqual(["/items", "/items", "/other"]);
  });

  it("sends an answer without a body with no body, and a failing answer as a 500 naming the error", async () => {
    const server = await echo();
    const empty = await fetch(`${server.url}/empty`);
    expect([empty.status, empty.headers.get("etag"), await empty.text()]).toEqual([304, '"e"', ""]);
    const boom = await fetch(`${server.url}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ message: "test server error: kaboom" });
  });

  it("injects a status with Retry-After and the API's error body, or the body given, then answers again", async () => {
    const server = await echo();
    server.fail({ status: 429, retryAfter: 3 });
    const limited = await fetch(`${server.url}/a`);
    expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "3"]);
    expect(await limited.json()).toEqual({ error: "echo says 429" });

    const date = "Wed, 21 Oct 2026 07:28:00 GMT";
    server.fail({ status: 503, retryAfter: date }).fail({ status: 500, body: '{"secret": "s3"}' });
    const unavailable = await fetch(`${server.url}/a`);
    expect([unavailable.status, unavailable.headers.get("retry-after")]).toEqual([503, date]);
    const failed = await fetch(`${server.url}/a`);
    expect([failed.status, failed.headers.get("retry-after"), await failed.text()]).toEqual([
      500,
      null,
      '{"secret": "s3"}',
    ]);
    expect((await fetch(`${server.url}/a`)).status).toBe(200);
    expect(server.requests.map((r) => r.fault)).toEqual([
      { status: 429, retryAfter: 3 },
      { status: 503, retryAfter: date },
      { status: 500, body: '{"secret": "s3"}' },
      undefined,
    ]);
  });

  it("injects a 200 whose JSON body is cut off", async () => {
    const server = await echo();
    server.fail("malformed");
    const response = await fetch(`${server.url}/a`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.startsWith("{")).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });

  it("injects a reset connection", async () => {
    const server = await echo();
    server.fail("reset");
    expect(await statusOf(`${server.url}/a`)).toBe("no answer");
    expect(server.requests[0]?.fault).toBe("reset");
    expect(await statusOf(`${server.url}/a`)).toBe(200);
  });

  it("injects a request that never gets an answer, while others still do, until the server closes", async () => {
    const server = await echo();
    server.fail("hang", { path: "/stuck" });
    const hung = statusOf(`${server.url}/stuck`);
    await waitFor("the hung request to arrive", () => server.requestsTo("/stuck").length === 1);
    expect(await statusOf(`${server.url}/other`)).toBe(200);
    await server.close();
    expect(await hung).toBe("no answer");
  });

  it("picks requests by path, predicate, skip and times; the first fault that matches takes a request", async () => {
    const server = await echo();
    server.fail({ status: 500 }, { path: "/pages", skip: 1, times: 2 });
    server.fail({ status: 503 }, { when: (r) => r.query.start === "10", times: Infinity });
    const statuses = [];
    for (const path of ["/pages", "/other", "/pages", "/pages", "/pages", "/pages?start=10", "/x?start=10"]) {
      statuses.push(await statusOf(`${server.url}${path}`));
    }
    expect(statuses).toEqual([200, 200, 500, 500, 200, 503, 503]);

    server.heal();
    expect(await statusOf(`${server.url}/x?start=10`)).toBe(200);
  });

  it("runs onRequest hooks before answering, so a test can change the data at an exact request", async () => {
    const server = await echo();
    server.onRequest((request) => {
      if (request.query.page === "2") server.greeting = "changed";
    });
    const greetings = [];
    for (const page of ["1", "2", "3"]) {
      const body = (await (await fetch(`${server.url}/a?page=${page}`)).json()) as { greeting: string };
      greetings.push(body.greeting);
    }
    expect(greetings).toEqual(["hello", "changed", "changed"]);
  });
});
