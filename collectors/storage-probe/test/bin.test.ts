import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BIN,
  FAST_ENV,
  fioProcessesUnder,
  listTree,
  runBin,
  type TempDir,
  tempDir,
  waitFor,
} from "./helpers.js";

const lines = (stdout: string, measurement: string) =>
  stdout.split("\n").filter((line) => line.startsWith(`${measurement},`));

describe("pm-collector-storage-probe", () => {
  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build the package first (npm run build)`);
  });
  let volume: TempDir;
  beforeEach(async () => {
    volume = await tempDir();
  });
  afterEach(() => volume.cleanup());

  it("prints usage with its settings", async () => {
    const run = await runBin(["--help"], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("pm-collector-storage-probe");
    expect(run.stdout).toMatch(/PM_VOLUME_PATH\s+directory of the mounted volume to measure \(required\)/);
    expect(run.stdout).toContain("--volume-path <value>");
  });

  it("exits 2 naming PM_VOLUME_PATH when it is not set", async () => {
    const run = await runBin(["--once"], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/PM_VOLUME_PATH/);
  });

  it("--once writes line protocol for each profile to stdout and exits 0", async () => {
    await writeFile(join(volume.path, "data.db"), "precious");
    const run = await runBin(["--once", "--volume-path", volume.path, "--profiles", "rand-read,fsync"], {
      ...FAST_ENV,
      PM_VOLUME_NAME: "pvc-a",
    });
    expect(run.code, run.stderr).toBe(0);
    const io = lines(run.stdout, "storage_io");
    expect(io).toHaveLength(3);
    expect(io[0]).toMatch(
      /^storage_io,engine=fio,org=platform,profile=rand-read,rw=read,source=storage-probe,volume=pvc-a /,
    );
    expect(io[0]).toMatch(/ bw_bytes=[\d.]+,iops=[\d.]+,io_bytes=\d+i,ios=\d+i,lat_mean_ns=[\d.]+,/);
    expect(io[1]).toMatch(/profile=fsync,rw=write,/);
    expect(io[2]).toMatch(/profile=fsync,rw=sync,/);
    const [summary] = lines(run.stdout, "storage_probe");
    expect(summary).toMatch(/ok=true/);
    expect(summary).toMatch(/profiles_ok=2i,profiles_failed=0i/);
    expect(await listTree(volume.path)).toEqual(["data.db"]);
  });

  it("without fio, measures with the built-in engine and says so once in the log", async () => {
    const run = await runBin(["--once"], {
      ...FAST_ENV,
      PM_VOLUME_PATH: volume.path,
      PM_PROFILES: "rand-read,fsync",
      PM_FIO_PATH: join(volume.path, "no-fio-here"),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.match(/fio is not available; measuring with the built-in Node probe/g)).toHaveLength(1);
    const io = lines(run.stdout, "storage_io");
    expect(io).toHaveLength(3);
    for (const line of io) expect(line).toMatch(/^storage_io,engine=builtin,.*,direct=false \d+$/);
    expect(await listTree(volume.path)).toEqual([]);
  });

  it("--once exits 1 when a profile fails, and still publishes the profiles that worked", async () => {
    const config = join(volume.path, "..", `${volume.path.split("/").pop()}.yaml`);
    await writeFile(
      config,
      `profiles:\n  - name: broken\n    rw: read\n    bs: 4k\n    ioengine: no_such_engine\n  - rand-read\n`,
    );
    try {
      const run = await runBin(["--once"], { ...FAST_ENV, PM_CONFIG: config, PM_VOLUME_PATH: volume.path });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /"err":"storage probe of .* failed: broken: fio exited with code 1: .*no_such_engine/,
      );
      expect(lines(run.stdout, "storage_io").map((l) => /profile=([^,]+)/.exec(l)![1])).toEqual([
        "rand-read",
      ]);
      const [summary] = lines(run.stdout, "storage_probe");
      expect(summary).toMatch(/ok=false/);
      expect(summary).toMatch(/profiles_ok=1i,profiles_failed=1i/);
      expect(summary).toMatch(/error="storage probe of .* failed: broken: fio exited with code 1/);
    } finally {
      await rm(config, { force: true });
    }
  });

  it("--once exits 1 with a clear message when the volume is missing", async () => {
    const missing = join(volume.path, "nope");
    const run = await runBin(["--once"], { ...FAST_ENV, PM_VOLUME_PATH: missing });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`volume path ${missing} does not exist; is the volume mounted?`);
    expect(lines(run.stdout, "storage_probe")[0]).toMatch(/ok=false/);
    expect(existsSync(missing)).toBe(false);
  });

  it("keeps running in interval mode while the volume is missing, and measures once it appears", async () => {
    const late = join(volume.path, "late");
    const child = spawn(process.execPath, [BIN], {
      env: {
        PATH: process.env.PATH ?? "",
        ...FAST_ENV,
        PM_SINK: "stdout",
        PM_HTTP_PORT: "0",
        PM_VOLUME_PATH: late,
        PM_PROFILES: "rand-read",
        PM_INTERVAL: "300ms",
        PM_JITTER: "0ms",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await waitFor("two failed rounds", () => /rounds_failed=2i/.test(stdout));
      expect(stderr).toContain("does not exist; is the volume mounted?");
      await mkdir(late);
      await waitFor("a good round", () => lines(stdout, "storage_probe").some((l) => l.includes("ok=true")));
      expect(lines(stdout, "storage_io").length).toBeGreaterThan(0);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(await listTree(volume.path)).toEqual(["late"]);
  });

  it("on SIGTERM while fio runs: stops fio, removes its files, exits 0", async () => {
    const child = spawn(process.execPath, [BIN], {
      env: {
        PATH: process.env.PATH ?? "",
        ...FAST_ENV,
        PM_RUNTIME: "30s",
        PM_SINK: "stdout",
        PM_HTTP_PORT: "0",
        PM_VOLUME_PATH: volume.path,
        PM_PROFILES: "seq-write",
        PM_SHUTDOWN_TIMEOUT: "2s",
        PM_JITTER: "0ms",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await waitFor("fio's test file", () =>
        existsSync(join(volume.path, ".pm-storage-probe", "pm-probe-seq-write.dat")),
      );
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(await fioProcessesUnder(volume.path)).toEqual([]);
    expect(await listTree(volume.path)).toEqual([]);
  });

  it("after a run killed mid-way (SIGKILL), the next start removes what it left and nothing else", async () => {
    await writeFile(join(volume.path, "data.db"), "precious");
    // Its own process group, so the kill takes fio with it, as a pod's end does.
    const child = spawn(process.execPath, [BIN, "--once"], {
      env: {
        PATH: process.env.PATH ?? "",
        ...FAST_ENV,
        PM_RUNTIME: "30s",
        PM_SINK: "stdout",
        PM_HTTP_PORT: "0",
        PM_VOLUME_PATH: volume.path,
        PM_PROFILES: "seq-write",
      },
      stdio: "ignore",
      detached: true,
    });
    const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
    const workdir = join(volume.path, ".pm-storage-probe");
    try {
      await waitFor("fio's test file", () => existsSync(join(workdir, "pm-probe-seq-write.dat")));
    } finally {
      process.kill(-child.pid!, "SIGKILL");
    }
    await exited;
    await waitFor("the killed process group to be gone", () => {
      try {
        process.kill(-child.pid!, 0);
        return false;
      } catch {
        return true;
      }
    });
    // fio runs its job as a thread, so the kill took all of it: nothing keeps writing or holds the file.
    await waitFor("fio to be gone", async () => (await fioProcessesUnder(volume.path)).length === 0);
    expect((await readdir(workdir)).sort()).toEqual([".pm-storage-probe-owner", "pm-probe-seq-write.dat"]);

    const run = await runBin(["--once"], {
      ...FAST_ENV,
      PM_VOLUME_PATH: volume.path,
      PM_PROFILES: "rand-read",
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/removed files an earlier run left behind/);
    expect(lines(run.stdout, "storage_probe")[0]).toMatch(/leftovers_removed=1i/);
    expect(await listTree(volume.path)).toEqual(["data.db"]);
  });
});
