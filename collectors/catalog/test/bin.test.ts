import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { type OsbBrokerServer, spawnCollectorBin, startOsbBroker, waitFor } from "@platform-metrics/testing";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build the package first (npm run build)`);
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function startBin(args: string[], env: Record<string, string>) {
  const run = spawnCollectorBin(BIN, args, env);
  cleanups.push(async () => {
    if (run.child.exitCode === null) run.child.kill("SIGKILL");
    await run.exited;
  });
  return run;
}

const lines = (stdout: string, measurement: string) =>
  stdout.split("\n").filter((line) => line.startsWith(`${measurement},`));

describe("pm-collector-catalog", () => {
  it("asks a broker with the last ETag and counts the same catalog on 304 Not Modified", async () => {
    const broker: OsbBrokerServer = await startOsbBroker({
      services: 4,
      username: "u",
      password: "pw-abcdef",
    });
    cleanups.push(() => broker.close());
    const run = startBin([], {
      PM_ADAPTER: "osb",
      PM_URL: broker.url,
      PM_CATALOG_USER: "u",
      PM_CATALOG_PASSWORD: "pw-abcdef",
      PM_BROKER: "main",
      PM_INTERVAL: "100ms",
    });
    await waitFor("two rounds", () => lines(run.output.stdout, "pm_catalog").length >= 2);
    run.child.kill("SIGTERM");
    expect(await run.exited, run.output.stderr).toBe(0);
    const [first, second] = broker.requestsTo("/v2/catalog");
    expect(first?.headers["if-none-match"]).toBeUndefined();
    expect(second?.headers["if-none-match"]).toBe(broker.etag);
    const self = lines(run.output.stdout, "pm_catalog");
    expect(self[0]).toContain("not_modified=false");
    expect(self[1]).toContain("not_modified=true");
    const services = lines(run.output.stdout, "catalog_services").map((line) => line.split(" ")[1]);
    expect(services[0]).toBe(
      "services=4i,plans=12i,free_plans=8i,paid_plans=4i,bindable_services=3i,bindable_plans=10i",
    );
    expect(services[1]).toBe(services[0]);
  });

  it("keeps the token and password out of its output, even from a server that echoes them", async () => {
    let answered = 0;
    const echo: Server = createServer((req, res) => {
      answered++;
      // First a 401 quoting the credential, then a 200 whose body is not JSON and quotes it too.
      const status = answered === 1 ? 401 : 200;
      res.writeHead(status, { "content-type": "application/json" }).end(`oops ${req.headers.authorization}`);
    });
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => echo.close(() => resolve())));
    const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
    for (const env of <Record<string, string>[]>[
      { PM_ADAPTER: "backstage", PM_CATALOG_TOKEN: "tok-secret-1234567" },
      { PM_ADAPTER: "osb", PM_CATALOG_USER: "admin", PM_CATALOG_PASSWORD: "pw-secret-7654321" },
    ]) {
      answered = 0;
      const run = startBin(["--once"], { ...env, PM_URL: url, PM_LOG_LEVEL: "trace", PM_RETRIES: "0" });
      expect(await run.exited, run.output.stderr).toBe(0);
      const all = run.output.stdout + run.output.stderr;
      expect(all).toContain("pm_catalog,adapter=");
      expect(all).toMatch(/401 Unauthorized|malformed JSON/);
      for (const secret of [
        "tok-secret-1234567",
        "pw-secret-7654321",
        Buffer.from("admin:pw-secret-7654321").toString("base64"),
      ]) {
        expect(all).not.toContain(secret);
      }
    }
  });
});
