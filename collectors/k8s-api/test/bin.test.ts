import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type KubeApiServer, namespaceObject, nodeObject, podObject } from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, until } from "./helpers.js";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

let api: KubeApiServer;
let kubeconfig: string;
// An empty home: no ~/.kube/config of the machine's can be read by mistake.
const home = mkdtempSync(join(tmpdir(), "pm-k8s-home-"));

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build the package first (npm run build)`);
  api = await startCluster();
  kubeconfig = process.env.KUBECONFIG!;
  api.create("namespaces", namespaceObject("shop", { "platform-metrics.io/org": "acme" }));
  api.create("nodes", nodeObject("node-1"));
  api.create("pods", podObject("shop", "web-1", { restarts: 3 }));
});
afterAll(async () => {
  await api.close();
  rmSync(home, { recursive: true, force: true });
});

function startBin(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: home, PM_HTTP_PORT: "0", PM_SINK: "stdout", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "", code: undefined as number | null | undefined };
  child.stdout.on("data", (chunk) => (output.stdout += chunk));
  child.stderr.on("data", (chunk) => (output.stderr += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      output.code = code;
      resolve(code);
    }),
  );
  return { child, output, exited };
}

const lines = (stdout: string, measurement: string) =>
  stdout.split("\n").filter((line) => line.startsWith(`${measurement},`));

describe("pm-collector-k8s-api", () => {
  it("--once writes a full set of aggregates from one list and exits 0", async () => {
    const run = startBin(["--once"], { KUBECONFIG: kubeconfig, PM_ORG: "platform" });
    expect(await run.exited, run.output.stderr).toBe(0);
    const [pods] = lines(run.output.stdout, "k8s_pod");
    expect(pods).toMatch(
      /^k8s_pod,namespace=shop,org=acme,phase=Running,source=k8s-api count=1i,ready=1i,restarts=3i /,
    );
    expect(lines(run.output.stdout, "k8s_node")[0]).toMatch(
      /^k8s_node,node=node-1,org=platform,source=k8s-api /,
    );
    expect(lines(run.output.stdout, "pm_k8s_informer")).toHaveLength(9);
    expect(api.requestCount("list", "pods")).toBeGreaterThanOrEqual(1);
  });

  it("follows the cluster on an interval and exits 0 on SIGTERM", async () => {
    const run = startBin([], { KUBECONFIG: kubeconfig, PM_INTERVAL: "200ms" });
    await until(() => lines(run.output.stdout, "k8s_pod").length > 0, "a first round");
    api.create("pods", podObject("shop", "web-2"));
    await until(() => run.output.stdout.includes("count=2i,ready=2i"), "the new pod in a later round");
    run.child.kill("SIGTERM");
    expect(await run.exited, run.output.stderr).toBe(0);
    api.delete("pods", "shop", "web-2");
  });

  it("exits 1 with a clear message when there is no Kubernetes configuration", async () => {
    const run = startBin(["--once"], {});
    expect(await run.exited).toBe(1);
    expect(run.output.stderr + run.output.stdout).toContain("no Kubernetes configuration: set KUBECONFIG");
  });

  it("exits 2 naming PM_CUSTOM_RESOURCES when it is not plural.group/version", async () => {
    const run = startBin(["--once"], { KUBECONFIG: kubeconfig, PM_CUSTOM_RESOURCES: "widgets" });
    expect(await run.exited).toBe(2);
    expect(run.output.stderr).toContain(
      'PM_CUSTOM_RESOURCES[0]: expected { group, version, plural } or plural.group/version, e.g. widgets.example.com/v1 (got ["widgets"])',
    );
  });
});
