// Every service's executable, run the documented way from a clone: the link `npm run build` makes in
// node_modules/.bin (scripts/link-bins.mjs). So `npx --no pm-relay` finds it here and never asks the
// public registry for the name.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_HTTP_PORTS } from "@platform-metrics/sdk";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

const BINS = [
  { bin: "pm-relay", dir: "relay", port: DEFAULT_HTTP_PORTS.relay },
  { bin: "pm-gateway", dir: "gateway", port: DEFAULT_HTTP_PORTS.gateway },
  { bin: "pm-collector-perf", dir: "collectors/perf", port: DEFAULT_HTTP_PORTS.perf },
  {
    bin: "pm-collector-storage-probe",
    dir: "collectors/storage-probe",
    port: DEFAULT_HTTP_PORTS["storage-probe"],
  },
  { bin: "pm-collector-k8s-api", dir: "collectors/k8s-api", port: DEFAULT_HTTP_PORTS["k8s-api"] },
  {
    bin: "pm-collector-data-catalog",
    dir: "collectors/data-catalog",
    port: DEFAULT_HTTP_PORTS["data-catalog"],
  },
  { bin: "pm-collector-hello", dir: "examples/hello-collector", port: DEFAULT_HTTP_PORTS.hello },
];

const binPath = (bin: string) => join(root, "node_modules", ".bin", bin);

function run(bin: string, args: string[]) {
  // Run as the shell would: the link itself, through its #!/usr/bin/env node line.
  const result = spawnSync(binPath(bin), args, {
    env: { PATH: process.env.PATH ?? "" },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.each(BINS)("$bin", ({ bin, dir, port }) => {
  it("is linked into node_modules/.bin after the build", () => {
    expect(realpathSync(binPath(bin))).toBe(realpathSync(join(root, dir, "dist", "bin.js")));
  });

  it("--version prints its name and its package's version", () => {
    const { version } = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as {
      version: string;
    };
    expect(run(bin, ["--version"])).toEqual({ code: 0, stdout: `${bin} ${version}\n`, stderr: "" });
  });

  it("--help describes its settings, the default port included", () => {
    const { code, stdout } = run(bin, ["--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: /im);
    expect(stdout).toContain("--version");
    expect(stdout).toMatch(new RegExp(`PM_HTTP_PORT .*\\(default ${port}\\b`));
  });
});

describe("pm-relay --help", () => {
  it("describes the relay's own settings, not a collector's", () => {
    const { stdout } = run("pm-relay", ["--help"]);
    expect(stdout).toMatch(/PM_SHUTDOWN_TIMEOUT +on SIGTERM, time to finish in-flight writes and acks/);
    expect(stdout).toMatch(/PM_POD_NAME +.*pm_relay/);
    expect(stdout).not.toMatch(/round|pm_collector/);
  });
});

describe("npx", () => {
  it("runs the linked bin, from the root or a package's folder, without asking the registry", () => {
    for (const cwd of [root, join(root, "relay")]) {
      // --offline: any registry request fails; --no: never install; --: the rest is the bin's.
      const result = spawnSync("npx", ["--offline", "--no", "--", "pm-relay", "--version"], {
        cwd,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(result.stdout, result.stderr).toMatch(/^pm-relay \d+\.\d+\.\d+\n$/);
    }
  });
});

describe("a service run by hand", () => {
  it("exits 0 on SIGTERM", async () => {
    const child = spawn(binPath("pm-collector-hello"), [], {
      env: {
        PATH: process.env.PATH ?? "",
        PM_SINK: "stdout",
        PM_HTTP_PORT: "0",
        PM_TARGETS: "http://127.0.0.1:1/",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!output.includes('"msg":"starting"')) {
      if (Date.now() > deadline) throw new Error(`the collector did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"stopped"');
  });
});
