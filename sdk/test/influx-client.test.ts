import { once } from "node:events";
import { createServer, request, type Server } from "node:http";
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from "node:net";
import { type Influx, startInflux } from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InfluxV1Client, isTimeoutError } from "../src/influx/index.js";

const DB = "client_test";

async function listen(server: Server | TcpServer): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as { port: number }).port;
}

describe("the InfluxDB v1 client against a real influxd (auth on)", () => {
  let influx: Influx;
  let client: InfluxV1Client;
  beforeAll(async () => {
    influx = await startInflux({ auth: true });
    await influx.createDatabase(DB);
    client = new InfluxV1Client(
      { name: "a", url: influx.url },
      { db: DB, username: influx.username, password: influx.password, timeoutMs: 30_000, gzip: true },
    );
  });
  afterAll(async () => {
    await client?.close();
    await influx?.close();
  });

  it("writes lines given as a list, as text and as bytes, gzipped when large, and reads them back", async () => {
    expect((await client.write(["cl_list v=1i 1000", "cl_list v=2i 2000"])).status).toBe(204);
    expect((await client.write("cl_text v=1i 1000")).status).toBe(204);
    expect((await client.write(Buffer.from("cl_bytes v=1i 1000"))).status).toBe(204);
    const large = Array.from({ length: 5000 }, (_, i) => `cl_large,h=h${i % 7} v=${i}i ${i + 1}`);
    expect((await client.write(large)).status).toBe(204);
    for (const method of ["GET", "POST"] as const) {
      const answer = await client.query('SELECT count("v") FROM "cl_large"', { db: DB, method });
      expect(answer.failed).toBe(false);
      expect(JSON.parse(answer.text).results[0].series[0].values[0][1]).toBe(5000);
    }
  });

  it("reports InfluxDB's own message: a statement error inside a 200, a refused write, bad credentials", async () => {
    const statement = await client.query('SELECT nonsense( FROM "x"', { db: DB });
    expect(statement.failed).toBe(true);
    expect(statement.message).toMatch(/error parsing query/);

    const conflict = await client.write("cl_list v=1.5 3000");
    expect(conflict).toMatchObject({ status: 400, failed: true });
    expect(conflict.message).toMatch(/field type conflict/);

    const anonymous = await client.query("SHOW DATABASES", { auth: null });
    expect(anonymous).toMatchObject({ status: 401, failed: true });
    const wrong = await client.write("cl_list v=1i 1", { auth: { username: "nobody", password: "x" } });
    expect(wrong).toMatchObject({ status: 401, failed: true });
  });

  it("answers its ping with 204", async () => {
    expect(await client.ping()).toBe(204);
  });

  it("sends every request under the base path of a URL behind a proxy", async () => {
    const seen: string[] = [];
    const target = new URL(influx.url);
    const proxy = createServer((req, res) => {
      seen.push(req.url ?? "");
      if (!req.url?.startsWith("/influx/")) {
        res.writeHead(404).end();
        return;
      }
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url.slice(7),
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    const port = await listen(proxy);
    const behind = new InfluxV1Client(
      { name: "p", url: `http://127.0.0.1:${port}/influx` },
      { db: DB, username: influx.username, password: influx.password, timeoutMs: 30_000 },
    );
    try {
      expect(await behind.ping()).toBe(204);
      expect((await behind.write("cl_proxy v=1i 1000")).status).toBe(204);
      expect((await behind.query('SELECT * FROM "cl_proxy"', { db: DB, method: "GET" })).failed).toBe(false);
      expect(seen.map((url) => url.split("?")[0])).toEqual([
        "/influx/ping",
        "/influx/write",
        "/influx/query",
      ]);
    } finally {
      await behind.close();
      proxy.close();
    }
  });
});

describe("the InfluxDB v1 client against a server that never answers", () => {
  let server: TcpServer;
  const sockets: Socket[] = [];
  let port: number;
  beforeAll(async () => {
    server = createTcpServer((socket) => sockets.push(socket));
    port = await listen(server);
  });
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    server?.close();
  });

  it("rejects with a time-out error that isTimeoutError recognises", async () => {
    const client = new InfluxV1Client(
      { name: "silent", url: `http://127.0.0.1:${port}` },
      { timeoutMs: 200 },
    );
    try {
      const error = await client.query("SHOW DATABASES").catch((e: unknown) => e);
      expect(isTimeoutError(error)).toBe(true);
      await expect(client.ping(100)).rejects.toSatisfy(isTimeoutError);
    } finally {
      await client.close();
    }
  });

  it("rejects a refused connection with an error that is no time-out", async () => {
    const closed = createTcpServer();
    const closedPort = await listen(closed);
    closed.close();
    await once(closed, "close");
    const client = new InfluxV1Client(
      { name: "gone", url: `http://127.0.0.1:${closedPort}` },
      { timeoutMs: 5000 },
    );
    try {
      const error = await client.write("x v=1").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(isTimeoutError(error)).toBe(false);
    } finally {
      await client.close();
    }
  });
});
