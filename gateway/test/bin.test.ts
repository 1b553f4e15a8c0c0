import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTokensFile } from "../src/auth/tokens-file.js";
import { DB, type Fixture, startFixture } from "./helpers/fixture.js";
import { waitFor } from "./helpers/wait.js";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const done = new Promise<Run>((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

let fixture: Fixture;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (npm run build -w gateway)`);
  fixture = await startFixture();
});
afterAll(() => fixture?.close());

describe("pm-gateway", () => {
  it("prints usage with every variable on --help", async () => {
    const { code, stdout } = await run(["--help"]).done;
    expect(code).toBe(0);
    expect(stdout).toContain("pm-gateway token create");
    expect(stdout).toContain("PM_GATEWAY_MAX_RANGE");
    expect(stdout).toContain("PM_INFLUX_URLS");
  });

  it("exits 2 naming the variable when the configuration is bad", async () => {
    const missing = await run([]).done;
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/PM_INFLUX_URLS is required: InfluxDB replicas, name=url/);
    const bad = await run([], { PM_INFLUX_URLS: "http://x:8086", PM_GATEWAY_TOKENS_FILE: "/x" }).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /PM_INFLUX_URLS: expected name=http\(s\):\/\/host:port, got "http:\/\/x:8086"/,
    );
    const range = await run([], {
      PM_INFLUX_URLS: "a=http://x:8086",
      PM_GATEWAY_TOKENS_FILE: "/x",
      PM_GATEWAY_MAX_RANGE: "a week",
    }).done;
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/PM_GATEWAY_MAX_RANGE: expected a duration/);
    const noAuth = await run([], { PM_INFLUX_URLS: "a=http://x:8086" }).done;
    expect(noAuth.stderr).toMatch(
      /PM_GATEWAY_TOKENS_FILE: set PM_GATEWAY_TOKENS_FILE or PM_GATEWAY_OIDC_ISSUER/,
    );
  });

  it("exits 2 naming PM_GATEWAY_TOKENS_FILE when the tokens file is bad", async () => {
    const file = join(fixture.dir, "bad-tokens.yaml");
    await writeFile(file, "tokens:\n  - { id: x, sha256: nothex, orgs: [acme] }\n");
    const { code, stderr } = await run([], {
      PM_INFLUX_URLS: "a=http://127.0.0.1:1",
      PM_GATEWAY_TOKENS_FILE: file,
    }).done;
    expect(code).toBe(2);
    expect(stderr).toMatch(/PM_GATEWAY_TOKENS_FILE: .*tokens\.0\.sha256: expected the hex sha256/);
  });

  it("creates a token whose entry the tokens file accepts, and refuses a bad org", async () => {
    const created = await run([
      "token",
      "create",
      "--id",
      "ci",
      "--org",
      "acme",
      "--org",
      "beta",
      "--expires",
      "2030-01-01T00:00:00Z",
    ]).done;
    expect(created.code).toBe(0);
    const [, token, , ...entry] = created.stdout.trim().split("\n");
    expect(token).toMatch(/^pmg_[A-Za-z0-9_-]{43}$/);
    const entries = parseTokensFile(`tokens:\n${entry.map((line) => `  ${line}`).join("\n")}\n`, "stdout");
    expect(entries[0]).toMatchObject({ id: "ci", orgs: new Set(["acme", "beta"]) });
    const bad = await run(["token", "create", "--id", "ci", "--org", "Not An Org"]).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("expected an org name");
    expect((await run(["token", "create", "--org", "acme"]).done).code).toBe(2);
  });

  it("serves queries and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const created = await run(["token", "create", "--id", "bin", "--org", "acme"]).done;
    const [, token, , ...entry] = created.stdout.trim().split("\n");
    const file = join(fixture.dir, "bin-tokens.yaml");
    await writeFile(file, `tokens:\n${entry.map((line) => `  ${line}`).join("\n")}\n`);
    const gateway = run([], {
      PM_INFLUX_URLS: `a=${fixture.a.url},b=${fixture.b.url}`,
      PM_INFLUX_DB: DB,
      PM_GATEWAY_TOKENS_FILE: file,
      PM_HTTP_PORT: String(port),
      PM_HTTP_HOST: "127.0.0.1",
    });
    const url = `http://127.0.0.1:${port}`;
    // Generous: under a full parallel test run on a shared 2-core machine the start took over 10 s.
    await waitFor(
      async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true,
      "the gateway",
      45_000,
    );
    const response = await fetch(`${url}/api/v1/query`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        measurement: "cpu",
        fields: ["usage"],
        aggregate: "max",
        range: { from: "-1h" },
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-pm-replica")).toBe("a");
    expect(((await response.json()) as { series: { values: unknown[][] }[] }).series[0]!.values[0]![1]).toBe(
      30.25,
    );

    const refused = await fetch(`${url}/api/v1/query`, { method: "POST" });
    expect(refused.status).toBe(401);

    gateway.child.kill("SIGTERM");
    const { code, stdout } = await gateway.done;
    expect(code).toBe(0);
    // The request log names the client, the token id and org, never the token; a 4xx its error code.
    const requests = stdout
      .split("\n")
      .filter((l) => l.includes('"route":"/api/v1/query"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(requests).toEqual([
      expect.objectContaining({ token: "bin", org: "acme", status: 200, replica: "a", client: "127.0.0.1" }),
      expect.objectContaining({ status: 401, code: "missing_token", client: "127.0.0.1" }),
    ]);
    expect(requests[0]).not.toHaveProperty("code");
    expect(stdout).not.toContain(token);
  });
});
