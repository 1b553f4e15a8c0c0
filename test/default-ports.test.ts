// Each service has its own default PM_HTTP_PORT (docs/ports.md), so collectors, the relay and the
// gateway started with their defaults on one machine all run; a port already taken is named, with
// the variable that moves it.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_HTTP_PORTS } from "@platform-metrics/sdk";
import { freePort, type KubeApiServer, startKubeApi, waitFor } from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "pm-ports-"));
writeFileSync(join(dir, "tokens.yaml"), "tokens: []\n");

interface Service {
  bin: string;
  args: string[];
  env: Record<string, string>;
  port: number;
}

let unreachable: string;
let kubeApi: KubeApiServer | undefined;
const services = (): Service[] => [
  {
    bin: "pm-collector-perf",
    args: ["--pid", String(process.pid)],
    env: { PM_SINK: "stdout", PM_GPU: "false", PM_INTERVAL: "1s" },
    port: DEFAULT_HTTP_PORTS.perf,
  },
  {
    bin: "pm-collector-storage-probe",
    args: [],
    env: {
      PM_SINK: "stdout",
      PM_VOLUME_PATH: dir,
      PM_ENGINE: "builtin",
      PM_PROFILES: "fsync",
      PM_RUNTIME: "100ms",
      PM_FILE_SIZE: "1MiB",
      PM_INTERVAL: "1h",
    },
    port: DEFAULT_HTTP_PORTS["storage-probe"],
  },
  {
    bin: "pm-collector-k8s-api",
    args: [],
    env: { PM_SINK: "stdout", PM_INTERVAL: "1h", KUBECONFIG: kubeApi?.writeKubeconfig() ?? "" },
    port: DEFAULT_HTTP_PORTS["k8s-api"],
  },
  {
    // A catalog that does not answer: the collector goes on (pm_datacatalog up=false) and stays healthy.
    bin: "pm-collector-data-catalog",
    args: [],
    env: { PM_SINK: "stdout", PM_INTERVAL: "1h", PM_ADAPTER: "ckan", PM_URL: unreachable, PM_RETRIES: "0" },
    port: DEFAULT_HTTP_PORTS["data-catalog"],
  },
  {
    bin: "pm-gateway",
    args: [],
    env: { PM_INFLUX_URLS: `a=${unreachable}`, PM_GATEWAY_TOKENS_FILE: join(dir, "tokens.yaml") },
    port: DEFAULT_HTTP_PORTS.gateway,
  },
  {
    // The relay serves /readyz (503) while it waits for NATS.
    bin: "pm-relay",
    args: [],
    env: { PM_INFLUX_URLS: `a=${unreachable}`, PM_NATS_URL: unreachable.replace("http", "nats") },
    port: DEFAULT_HTTP_PORTS.relay,
  },
];

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start({ bin, args, env }: Service): Running {
  const child = spawn(join(root, "node_modules", ".bin", bin), args, {
    // No PM_HTTP_PORT: each runs on its default.
    env: { PATH: process.env.PATH ?? "", PM_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Whether nothing on this machine listens on `port` (any address). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "0.0.0.0", () => server.close(() => resolve(true)));
  });
}

async function healthy(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
  return response?.status === 200;
}

async function until(condition: () => Promise<boolean> | boolean, what: string, output: () => string) {
  await waitFor(what, async () => (await condition()) || undefined, {
    timeoutMs: 45_000,
    everyMs: 100,
  }).catch((error: Error) => {
    throw new Error(`${error.message}; output:\n${output()}`);
  });
}

describe("the default ports", () => {
  it("are distinct, and docs/ports.md lists each", () => {
    const ports = Object.values(DEFAULT_HTTP_PORTS);
    expect(new Set(ports).size).toBe(ports.length);
    const table = readFileSync(join(root, "docs", "ports.md"), "utf8");
    for (const [service, port] of Object.entries(DEFAULT_HTTP_PORTS)) {
      const row = table.split("\n").find((line) => line.startsWith(`| ${port} |`));
      expect(row, `docs/ports.md: no row for port ${port}`).toBeDefined();
      if (service !== "other")
        expect(row).toContain(
          service === "gateway" || service === "relay" ? `pm-${service}` : `pm-collector-${service}`,
        );
    }
  });
});

describe("services started with their default ports on one machine", () => {
  const running: Running[] = [];
  beforeAll(async () => {
    unreachable = `http://127.0.0.1:${await freePort()}`;
    kubeApi = await startKubeApi();
    // This test needs the defaults free. Something else on the machine holding one is no fault of
    // the services: say which port and which service, rather than fail on a confusing exit.
    for (const { bin, port } of services()) {
      if (!(await portFree(port)))
        throw new Error(
          `port ${port}, the default PM_HTTP_PORT of ${bin}, is already taken by another process on this machine; this test starts ${bin} with its default port, so free it (ss -ltnp 'sport = :${port}' shows the owner) and run again`,
        );
    }
  });
  afterAll(async () => {
    for (const service of running) service.child.kill("SIGKILL");
    await Promise.all(running.map((service) => service.exited));
    await kubeApi?.close();
  });

  it("all run side by side, each on its own port", { timeout: 180_000 }, async () => {
    for (const service of services()) {
      const started = start(service);
      running.push(started);
      await until(() => healthy(service.port), `${service.bin} on port ${service.port}`, started.output);
      // The port answers for this process, not for something that happened to be there.
      expect(started.output()).toMatch(
        new RegExp(`"httpPort":${service.port}\\b|listening at http://[^"]+:${service.port}\\b`),
      );
    }
    for (const service of running) expect(service.child.exitCode).toBeNull();
  });

  it("a second copy stops at once, naming the port and PM_HTTP_PORT", { timeout: 180_000 }, async () => {
    for (const service of services()) {
      const second = start(service);
      const code = await second.exited;
      expect(code, second.output()).toBe(1);
      expect(second.output()).toContain(
        `port ${service.port} is already in use by another process (EADDRINUSE); set PM_HTTP_PORT to a free port`,
      );
    }
  });
});
