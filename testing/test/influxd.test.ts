import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Influx, InfluxHttpError, startInflux } from "../src/index.js";
import { acceptsConnections, listenOn } from "./ports.js";

const servers: Influx[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function started(options?: Parameters<typeof startInflux>[0]): Promise<Influx> {
  const server = await startInflux(options);
  servers.push(server);
  return server;
}

/** The rejection of a promise that must fail. */
async function failure(promise: Promise<unknown>): Promise<InfluxHttpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InfluxHttpError);
  return error as InfluxHttpError;
}

describe("startInflux", () => {
  it("writes and reads back points on its own ports", async () => {
    const influx = await started();
    expect(influx.url).toBe(`http://127.0.0.1:${influx.port}`);
    expect(influx.port).not.toBe(8086);
    expect(influx.rpcPort).not.toBe(8088);
    expect(influx.dataDir).toMatch(/pm-test-influx-/);
    expect(influx.username).toBeUndefined();

    await influx.createDatabase("db");
    await influx.write("db", ["cpu,org=acme usage=1.5 1000000000", "cpu,org=globex usage=2 2000000000"]);
    await influx.write("db", "cpu,org=acme usage=3 3", { precision: "s" });
    const result = await influx.query(`SELECT "usage" FROM "cpu" WHERE "org" = 'acme'`, { db: "db" });
    expect(result.results[0]!.series![0]!.values).toEqual([
      ["1970-01-01T00:00:01Z", 1.5],
      ["1970-01-01T00:00:03Z", 3],
    ]);
    expect(await influx.countPoints("db", "cpu")).toBe(3);
    expect(await influx.countPoints("db", "cpu", `"org" = 'globex'`)).toBe(1);
    expect(await influx.countPoints("db", "cpu", { field: "usage", where: `"org" = 'acme'` })).toBe(2);
    expect(await influx.countPoints("db", "nothing_here")).toBe(0);
  });

  it("keeps its data and ports across stop and start, and across a SIGKILL", async () => {
    const influx = await started();
    await influx.createDatabase("db");
    await influx.write("db", "m v=1 1");
    const { url, port, rpcPort } = influx;

    await influx.stop();
    expect(influx.running).toBe(false);
    expect(await acceptsConnections(port)).toBe(false);
    await expect(influx.countPoints("db", "m")).rejects.toThrow();
    await influx.start();
    expect([influx.url, influx.port, influx.rpcPort]).toEqual([url, port, rpcPort]);
    expect(await influx.countPoints("db", "m")).toBe(1);

    // Acknowledged writes are in the WAL, so a crash keeps them too.
    await influx.write("db", "m v=2 2");
    await influx.kill();
    await influx.start();
    expect(await influx.countPoints("db", "m")).toBe(2);

    await influx.restart();
    expect(await influx.countPoints("db", "m")).toBe(2);
  });

  it("reports InfluxDB's own errors with the status", async () => {
    const influx = await started();
    const unknownDb = await failure(influx.write("nope", "m v=1 1"));
    expect(unknownDb.status).toBe(404);
    expect(unknownDb.message).toBe('influxd /write 404: database not found: "nope" (db: "nope")');

    await influx.createDatabase("db");
    const partial = await failure(influx.write("db", ["m v=1 1", "not line protocol"]));
    expect(partial.status).toBe(400);
    expect(partial.message).toMatch(/partial write/);
    expect(await influx.countPoints("db", "m")).toBe(1);

    const badQuery = await failure(influx.query("SELEKT nonsense", { db: "db" }));
    expect(badQuery.status).toBe(400);
    expect(badQuery.message).toMatch(/^influxd \/query 400: error parsing query: found SELEKT/);
    const statementError = await failure(influx.query(`SELECT * FROM "m"`, { db: "missing" }));
    expect(statementError.message).toBe(
      'influxd /query: database not found: missing (query: SELECT * FROM "m")',
    );
  });

  it("pause() makes it hang, resume() brings it back", async () => {
    const influx = await started();
    await influx.pause();
    const hung = await fetch(`${influx.url}/ping`, { signal: AbortSignal.timeout(300) }).catch(
      (e: Error) => e,
    );
    expect(hung).toBeInstanceOf(Error);
    await influx.resume();
    expect((await fetch(`${influx.url}/ping`)).status).toBe(204);
  });

  it("ignores INFLUXDB_* variables of the environment, which would override its config", async () => {
    process.env.INFLUXDB_HTTP_AUTH_ENABLED = "true";
    try {
      const influx = await started();
      await influx.createDatabase("db");
      expect(await influx.countPoints("db", "m")).toBe(0);
    } finally {
      delete process.env.INFLUXDB_HTTP_AUTH_ENABLED;
    }
  });

  it("close() removes its directories, frees both ports, can be called twice, and forbids a start", async () => {
    const influx = await startInflux();
    await Promise.all([influx.close(), influx.close()]);
    await influx.close();
    expect(influx.running).toBe(false);
    expect(existsSync(influx.dataDir)).toBe(false);
    for (const port of [influx.port, influx.rpcPort]) {
      expect(await acceptsConnections(port)).toBe(false);
      (await listenOn(port)).close();
    }
    await expect(influx.start()).rejects.toThrow("influxd was closed; start a new one instead");
  });

  it("with dataDir, keeps the data there after close(), for a new instance on other ports", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pm-influx-kept-"));
    try {
      const first = await startInflux({ dataDir, detached: true });
      await first.createDatabase("db");
      await first.write("db", "m v=1 1");
      await first.close();
      expect(existsSync(join(dataDir, "data"))).toBe(true);
      const second = await started({ dataDir });
      expect(await second.countPoints("db", "m")).toBe(1);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    await expect(startInflux({ dataDir: "" })).rejects.toThrow(
      'startInflux: dataDir must be a directory path, got ""',
    );
  });

  it("waits for its port at restart while another process holds it", async () => {
    const influx = await started();
    await influx.stop();
    const squatter = await listenOn(influx.port);
    await expect(influx.start({ portWaitMs: 200 })).rejects.toThrow(
      `influxd could not listen on ports ${influx.port}, ${influx.rpcPort} again within 200 ms`,
    );
    const starting = influx.start();
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    await starting;
    expect((await fetch(`${influx.url}/ping`)).status).toBe(204);
  });
});

describe("startInflux with auth", () => {
  it("creates the admin, who can do everything, also after a restart", async () => {
    const influx = await started({ auth: { username: "root", password: "it's s3cret" } });
    expect([influx.username, influx.password]).toEqual(["root", "it's s3cret"]);
    expect(influx.admin).toEqual({ username: "root", password: "it's s3cret" });

    await influx.createDatabase("db");
    await influx.write("db", "m v=1 1");
    await influx.restart();
    expect(await influx.countPoints("db", "m")).toBe(1);
    const users = await influx.query("SHOW USERS");
    expect(users.results[0]!.series![0]!.values).toEqual([["root", true]]);
  });

  it("refuses a wrong password and missing credentials with 401, naming the user but never the password", async () => {
    const influx = await started({ auth: true });
    expect(influx.username).toBe("admin");
    await influx.createDatabase("db");

    const wrong = await failure(
      influx.write("db", "m v=1 1", { username: "admin", password: "wrong-secret" }),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.message).toBe(
      'influxd /write 401 for user "admin" (wrong username or password, or not allowed): authorization failed (db: "db")',
    );
    expect(wrong.message).not.toContain("wrong-secret");

    const anonymous = await failure(influx.query("SHOW DATABASES", { auth: null }));
    expect(anonymous.status).toBe(401);
    expect(anonymous.message).toMatch(/^influxd \/query 401 without credentials \(auth is on\): /);
    expect((await fetch(`${influx.url}/query?q=SHOW+DATABASES`)).status).toBe(401);
    expect(await influx.countPoints("db", "m")).toBe(0);
  });

  it("lets a second user in with its own password through the u/p options", async () => {
    const influx = await started({ auth: true });
    await influx.createDatabase("db");
    await influx.query(`CREATE USER "reader" WITH PASSWORD 'read-only'`);
    await influx.query(`GRANT READ ON "db" TO "reader"`);
    const reader = { username: "reader", password: "read-only" };

    expect(
      (await influx.query("SHOW MEASUREMENTS", { db: "db", ...reader })).results[0]!.error,
    ).toBeUndefined();
    const denied = await failure(influx.write("db", "m v=1 1", { auth: reader }));
    expect(denied.status).toBe(403);
    expect(denied.message).toMatch(/for user "reader"/);
  });

  it("hides passwords in the queries its errors quote", async () => {
    const influx = await started({ auth: true });
    const error = await failure(influx.query(`CREATE USER "x" WITH PASSWORD 'hunter2' WITH NONSENSE`));
    expect(error.message).toContain("PASSWORD '<hidden>'");
    expect(error.message).not.toContain("hunter2");
  });

  it("rejects bad auth options without echoing the password", async () => {
    await expect(startInflux({ auth: { username: "", password: "pw-123" } })).rejects.toThrow(
      'startInflux: auth must be true, false or { username, password } with non-empty strings, got {"username":"","password":"<hidden>"}',
    );
    await expect(startInflux({ auth: "yes" as unknown as boolean })).rejects.toThrow(/got "yes"/);
  });
});
