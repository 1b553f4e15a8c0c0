import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEPLOY } from "./kustomize.js";

const dockerfile = readFileSync(join(DEPLOY, "Dockerfile"), "utf8");
const ROOT = join(DEPLOY, "..");

/** Whether a Docker engine answers; the client alone (as on the build machines) cannot build. */
function dockerEngine(): { ok: true } | { ok: false; reason: string } {
  const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], {
    encoding: "utf8",
    timeout: 20_000,
  });
  if (info.error) return { ok: false, reason: `no docker client (${info.error.message})` };
  if (info.status !== 0) return { ok: false, reason: "no Docker engine answers `docker info`" };
  return { ok: true };
}
const engine = dockerEngine();

describe("deploy/Dockerfile", () => {
  it("builds on an exact Node.js LTS version tag and runs as a numeric non-root user", () => {
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(base).toMatch(/^node:(\d+)\.\d+\.\d+-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/);
    const major = Number(/^node:(\d+)/.exec(base!)![1]);
    // Even majors become LTS; 22 and 24 are the LTS lines the project supports.
    expect([22, 24]).toContain(major);
    // Both stages on the pinned base: the native modules built in the first must run in the second.
    const stages = dockerfile.match(/^FROM .*/gm) ?? [];
    expect(stages).toHaveLength(2);
    for (const stage of stages) expect(stage).toMatch(/^FROM \$\{NODE_IMAGE\}( AS build)?$/);
    const user = [...dockerfile.matchAll(/^USER (\S+)$/gm)].at(-1)?.[1];
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
  });

  // Never a pass without a build: without an engine this test is reported as skipped, with the reason.
  it.skipIf(!engine.ok)(
    `builds the storage-probe image with fio, running as uid 1000${engine.ok ? "" : ` (skipped: ${engine.reason})`}`,
    () => {
      const tag = "platform-metrics/storage-probe:test";
      execFileSync(
        "docker",
        [
          ...["build", "-f", "deploy/Dockerfile", "-t", tag],
          ...[
            "--build-arg",
            "PACKAGE=collectors/storage-probe",
            "--build-arg",
            "BIN=pm-collector-storage-probe",
          ],
          ...["--build-arg", "APT_PACKAGES=fio", "."],
        ],
        { cwd: ROOT, stdio: "inherit", timeout: 900_000 },
      );
      const run = (...args: string[]) =>
        execFileSync("docker", ["run", "--rm", "--entrypoint", args[0]!, tag, ...args.slice(1)], {
          encoding: "utf8",
        });
      expect(run("id", "-u").trim()).toBe("1000");
      expect(run("fio", "--version")).toMatch(/^fio-3/);
      expect(run("node_modules/.bin/pm-collector-storage-probe", "--help")).toMatch(/PM_VOLUME_PATH/);
    },
    900_000,
  );
});
