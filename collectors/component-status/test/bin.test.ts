import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type KubeApiServer,
  namespaceObject,
  podObject,
  spawnCollectorBin,
  startKubeApi,
} from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answer, startServer, type TestServer } from "./helpers.js";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
// An empty home: no ~/.kube/config of the machine's can be read by mistake.
const home = mkdtempSync(join(tmpdir(), "pm-cs-home-"));
let app: TestServer;
let api: KubeApiServer;

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build the package first (npm run build)`);
  app = await startServer(answer(200, "text/plain; version=0.0.4", "app_up 1\n"));
  api = await startKubeApi();
  api.create("namespaces", namespaceObject("shop", { "platform-metrics.io/org": "acme" }));
  api.create(
    "pods",
    podObject("shop", "web-0", {
      podIP: "127.0.0.1",
      annotations: { "platform-metrics.io/scrape": "true", "platform-metrics.io/port": String(app.port) },
    }),
  );
});
afterAll(async () => {
  await app?.close();
  await api?.close();
  rmSync(home, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string>) {
  const { output, exited } = spawnCollectorBin(BIN, args, { HOME: home, ...env });
  return { code: await exited, ...output };
}

describe("pm-collector-component-status", () => {
  it("--once probes PM_TARGETS and the annotated pods of the cluster, writes line protocol and exits 0", async () => {
    const result = await run(["--once", "--discovery"], {
      PM_TARGETS: `${app.url}/healthz`,
      KUBECONFIG: api.writeKubeconfig(),
    });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines.find((l) => l.startsWith("component_status,") && l.includes("kind=static"))).toMatch(
      / .*up=1i/,
    );
    expect(
      lines.find((l) => l.includes(`target=pod/shop/web-0:${app.port}`) && l.startsWith("component_scrape,")),
    ).toMatch(/^component_scrape,org=acme,source=component-status,target=pod\/shop\/web-0:\d+ app_up=1 \d+$/);
    expect(lines.some((l) => l.startsWith("component_round,"))).toBe(true);
  });

  it("exits non-zero naming the variable on a bad value", async () => {
    const result = await run(["--once"], { PM_CONCURRENCY: "none" });
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toContain("PM_CONCURRENCY");
  });

  it("prints usage with --help", async () => {
    const result = await run(["--help"], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("pm-collector-component-status");
    expect(result.stdout).toContain("PM_TARGETS");
  });
});
