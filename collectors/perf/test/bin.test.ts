import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ReadBuffer } from "../src/proc/read-buffer.js";
import { listPids, readCmdline } from "../src/proc/scan.js";
import {
  binReadableByAll,
  cleanup,
  exited,
  FAKE_NVIDIA_SMI,
  type Line,
  parseLines,
  procState,
  readTruth,
  runBin,
  sh,
  tempDir,
  waitFor,
} from "./helpers.js";

afterEach(cleanup);

const perf = (stdout: string) => parseLines(stdout).filter((line) => line.measurement.startsWith("perf_"));
const runs = (lines: Line[]) => lines.filter((line) => line.measurement === "perf_run");
const warnings = (stderr: string) =>
  stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((line) => line.level === 40);

describe("pm-collector-perf launch mode (-- COMMAND)", () => {
  it("passes the exit code through and writes a summary that holds everything the tree used", async () => {
    const dir = tempDir();
    // The two children wait at the gate (stdin, passed through) until two rounds have seen all three.
    const started = performance.now();
    const result = await runBin(
      [
        "--",
        "sh",
        "-c",
        `
      exec 3<&0
      (read _ <&3; i=0; while [ $i -lt 40000 ]; do i=$((i+1)); done) &
      (read _ <&3; dd if=/dev/zero of=${dir}/out bs=1M count=3 conv=fsync 2>/dev/null) &
      wait
      cat /proc/$$/stat > ${dir}/final.stat; cat /proc/$$/io > ${dir}/final.io
      exit 7`,
      ],
      { PM_INTERVAL: "100ms" },
      async (child, out) => {
        const seenAll = () =>
          perf(out.stdout).filter((l) => l.measurement === "perf_process" && Number(l.fields.processes) >= 3);
        await waitFor(
          () => (seenAll().length >= 2 ? true : undefined),
          30_000,
          "two rounds that see three processes",
        );
        child.stdin!.end();
      },
    );
    const ended = performance.now();
    expect(result.code).toBe(7);
    const lines = perf(result.stdout);
    const [run] = runs(lines);
    expect(runs(lines)).toHaveLength(1);
    // The summary is the last point: written in the round that saw the exit, then the collector stopped.
    expect(lines.at(-1)).toBe(run);
    expect(run!.tags).toMatchObject({ command: "sh", target: "launch", org: "platform", source: "perf" });
    const truth = readTruth(dir);
    const f = run!.fields as Record<string, number>;
    expect(f.exit_code).toBe(7);
    expect(Math.round((f.cpu_user_seconds! + f.cpu_system_seconds!) * 100)).toBeGreaterThanOrEqual(
      truth.cpuTicks,
    );
    expect(f.write_bytes).toBeGreaterThanOrEqual(Math.max(truth.writeBytes, 3 << 20));
    expect(f.write_bytes).toBeLessThan(truth.writeBytes + (1 << 20));
    expect(f.max_processes).toBeGreaterThanOrEqual(3);
    expect(f.peak_rss_bytes).toBeGreaterThan(0);
    expect(f.wall_seconds).toBeGreaterThan(0);
    expect(f.wall_seconds).toBeLessThanOrEqual((ended - started) / 1000);
    expect(Object.keys(f).sort()).toEqual([
      "cpu_system_seconds",
      "cpu_user_seconds",
      "exit_code",
      "max_processes",
      "peak_rss_bytes",
      "read_bytes",
      "wall_seconds",
      "write_bytes",
    ]);
    expect(lines.filter((l) => l.measurement === "perf_process").length).toBeGreaterThan(1);
  });

  it("forwards SIGTERM to the command and exits with the code the command chose", async () => {
    const dir = tempDir();
    const ready = join(dir, "ready");
    const result = await runBin(
      ["--", "sh", "-c", `trap 'exit 42' TERM; touch ${ready}; while :; do sleep 0.1; done`],
      { PM_INTERVAL: "100ms" },
      async (child) => {
        await waitFor(() => (existsSync(ready) ? true : undefined));
        child.kill("SIGTERM");
      },
    );
    expect(result.code).toBe(42);
    expect(runs(perf(result.stdout))[0]!.fields.exit_code).toBe(42);
    expect(result.stderr).toContain("forwarding signal to the command");
  });

  it("reports 128 + signal for a command killed by the forwarded SIGINT", async () => {
    const dir = tempDir();
    const ready = join(dir, "ready");
    const result = await runBin(["--", "sh", "-c", `touch ${ready}; exec sleep 30`], {}, async (child) => {
      await waitFor(() => (existsSync(ready) ? true : undefined));
      child.kill("SIGINT");
    });
    expect(result.code).toBe(130);
    expect(runs(perf(result.stdout))[0]!.fields.exit_code).toBe(130);
  });

  it("exits 127 with a summary when the command does not exist", async () => {
    const result = await runBin(["--", "/no/such/command-xyz"], { PM_INTERVAL: "100ms" });
    expect(result.code).toBe(127);
    expect(runs(perf(result.stdout))[0]!.fields.exit_code).toBe(127);
    expect(result.stderr).toContain("cannot start the command");
  });
});

describe("pm-collector-perf --pid and --match", () => {
  it("follows --pid until the process exits, then writes the summary and exits 0", async () => {
    const target = sh("exec sleep 600");
    const spawnedAt = performance.now();
    await waitFor(() => (procState(target.pid!)?.comm === "sleep" ? true : undefined));
    let killedAt = 0;
    const result = await runBin(
      ["--pid", String(target.pid)],
      { PM_INTERVAL: "100ms" },
      async (_child, out) => {
        // The target lives until the collector has sampled it, however long the collector takes to start.
        await waitFor(
          () => (out.stdout.includes("perf_process") ? true : undefined),
          30_000,
          "a first round",
        );
        killedAt = performance.now();
        target.kill("SIGTERM");
      },
    );
    const endedAt = performance.now();
    expect(result.code, result.stderr).toBe(0);
    const [run] = runs(perf(result.stdout));
    expect(run!.tags).toMatchObject({ pid: String(target.pid), target: "pid", command: "sleep" });
    // The process's start comes from /proc, not from when the collector attached: it covers the
    // collector's own start too (ticks and uptime are read to 10 ms).
    expect(run!.fields.wall_seconds).toBeGreaterThanOrEqual((killedAt - spawnedAt) / 1000 - 0.05);
    expect(run!.fields.wall_seconds).toBeLessThanOrEqual((endedAt - spawnedAt) / 1000 + 0.05);
    expect(run!.fields.exit_code).toBeUndefined();
  });

  it("refuses a pid that does not exist", async () => {
    const gone = sh("true");
    await exited(gone);
    const result = await runBin(["--pid", String(gone.pid)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no process with pid ${gone.pid}`);
  });

  it("stops on SIGTERM in --pid mode with exit 0 and no summary (the app is still running)", async () => {
    const target = sh("exec sleep 600");
    const result = await runBin(
      ["--pid", String(target.pid)],
      { PM_INTERVAL: "100ms" },
      async (child, out) => {
        await waitFor(
          () => (out.stdout.includes("perf_process") ? true : undefined),
          30_000,
          "a first round",
        );
        child.kill("SIGTERM");
      },
    );
    expect(result.code).toBe(0);
    expect(runs(perf(result.stdout))).toHaveLength(0);
  });

  it("waits for a --match process that appears later, leaving itself out although its own arguments match", async () => {
    const marker = `pm-perf-match-${process.pid}-${Date.now()}`;
    let targetPid: number | undefined;
    const result = await runBin(
      ["--match", marker, "--wait-timeout", "20s"],
      { PM_INTERVAL: "100ms" },
      async (_child, out) => {
        await waitFor(
          () => (out.stderr.includes("waiting for a matching process") ? true : undefined),
          30_000,
          "the collector to wait",
        );
        // The target lives until the collector has sampled it, then ends at the gate.
        const target = sh(`read _; echo ${marker} > /dev/null`);
        targetPid = target.pid;
        await waitFor(
          () => (out.stdout.includes(`pid=${targetPid}`) ? true : undefined),
          30_000,
          "a round that sees the target",
        );
        target.stdin!.end();
      },
    );
    expect(result.code).toBe(0);
    const lines = perf(result.stdout);
    expect(lines.some((l) => l.measurement === "perf_process" && l.tags.pid === String(targetPid))).toBe(
      true,
    );
    expect(runs(lines)[0]!.tags).toMatchObject({ pid: String(targetPid), target: "match" });
  });

  it("gives up cleanly when no process matches within --wait-timeout", async () => {
    const result = await runBin(["--match", "^no-such-process-anywhere-xyz$", "--wait-timeout", "400ms"], {
      PM_INTERVAL: "100ms",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no process matched");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(runs(perf(result.stdout))).toHaveLength(0);
  });

  it("exits 2 naming the setting for bad or missing settings", async () => {
    const bad = await runBin(["--pid", "abc"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--pid");
    const none = await runBin([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no target");
    const fast = await runBin(["--pid", String(process.pid)], { PM_INTERVAL: "50ms" });
    expect(fast.code).toBe(2);
    expect(fast.stderr).toContain("PM_INTERVAL: expected at least 100ms, got 50ms");
  });
});

const root = process.getuid?.() === 0;
const setpriv = spawnSync("setpriv", ["--version"]).status === 0;

describe("without permission to read a process (no SYS_PTRACE)", () => {
  it.runIf(root && setpriv)("warns once and keeps the fields it can read", async () => {
    // As nobody, a root-owned process's io and fd entries are off limits, as in a sidecar
    // without SYS_PTRACE; stat and status stay readable.
    const target = sh("exec sleep 600");
    const rounds = (stdout: string) =>
      perf(stdout).filter((l) => l.measurement === "perf_process" && l.fields.processes);
    const result = await runBin(
      ["--pid", String(target.pid)],
      { PM_INTERVAL: "100ms" },
      async (_child, out) => {
        // The target lives until three rounds have sampled it.
        await waitFor(() => (rounds(out.stdout).length >= 3 ? true : undefined), 30_000, "three rounds");
        target.kill("SIGTERM");
      },
      {
        wrapper: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"],
        bin: binReadableByAll(),
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const processes = rounds(result.stdout);
    expect(processes.length).toBeGreaterThanOrEqual(3);
    for (const line of processes) {
      expect(line.fields.rss_bytes).toBeGreaterThan(0);
      expect(line.fields.read_bytes).toBeUndefined();
      expect(line.fields.open_fds).toBeUndefined();
    }
    const warned = warnings(result.stderr).filter((w) => w.msg.includes("cannot read"));
    expect(warned).toHaveLength(1);
    expect(warned[0]!.msg).toMatch(/io \(EACCES\).*read_bytes and write_bytes.*open_fds.*SYS_PTRACE/);
  });
});

describe("GPU metrics from a fake nvidia-smi", () => {
  it("writes perf_gpu per GPU with the tree's GPU memory, and stops nvidia-smi at exit", async () => {
    const dir = tempDir();
    const pidFile = join(dir, "pid");
    // The command lives (at the gate) until a round has seen its GPU memory in the compute-apps listing.
    const result = await runBin(
      ["--", "sh", "-c", `echo $$ > ${pidFile}; read _; exit 0`],
      {
        PM_INTERVAL: "200ms",
        PM_GPU: "true",
        PM_NVIDIA_SMI: FAKE_NVIDIA_SMI,
        FAKE_SMI_APP_PID_FILE: pidFile,
      },
      async (child, out) => {
        await waitFor(
          () =>
            /perf_process,.*gpu_memory_bytes=2147483648i/.test(out.stdout) &&
            /perf_gpu,.*tree_memory_used_bytes=2147483648i/.test(out.stdout)
              ? true
              : undefined,
          30_000,
          "a round with the command's GPU memory",
        );
        child.stdin!.end();
      },
    );
    expect(result.code).toBe(0);
    const lines = perf(result.stdout);
    const gpus = lines.filter((l) => l.measurement === "perf_gpu");
    expect(new Set(gpus.map((l) => l.tags.gpu_uuid))).toEqual(
      new Set(["GPU-4f1c2a3b-1111-2222-3333-444455556666", "GPU-9a8b7c6d-aaaa-bbbb-cccc-ddddeeeeffff"]),
    );
    const h100 = gpus.find(
      (l) => l.tags.gpu_index === "0" && l.fields.tree_memory_used_bytes === 2048 * 2 ** 20,
    );
    expect(h100?.fields).toMatchObject({
      memory_total_bytes: 81559 * 2 ** 20,
      power_watts: 312.45,
      tree_processes: 1,
    });
    const a100 = gpus.find((l) => l.tags.gpu_index === "1")!;
    expect(a100.fields.power_watts).toBeUndefined();
    expect(a100.fields.memory_total_bytes).toBe(40960 * 2 ** 20);
    expect(
      lines.some((l) => l.measurement === "perf_process" && l.fields.gpu_memory_bytes === 2048 * 2 ** 20),
    ).toBe(true);
    // Two nvidia-smi processes for the whole run, both gone after it.
    const buffer = new ReadBuffer();
    const left = () =>
      listPids("/proc").filter((pid) => readCmdline("/proc", pid, buffer)?.includes(FAKE_NVIDIA_SMI));
    // They were sent SIGTERM at teardown; give the kernel a moment to reap them.
    await waitFor(
      () => (left().length === 0 ? true : undefined),
      30_000,
      "the fake nvidia-smi processes to exit",
    ).catch(() => {});
    expect(left()).toEqual([]);
    expect(readFileSync(pidFile, "utf8").trim()).toMatch(/^\d+$/);
  });
});
