import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CollectOnceResult, collectOnce } from "@platform-metrics/sdk";
import { afterEach, describe, expect, it } from "vitest";
import collector from "../src/collector.js";
import { readHostUnits } from "../src/proc/host.js";
import type { ProcEnv } from "../src/proc/process-handle.js";
import { ReadBuffer } from "../src/proc/read-buffer.js";
import { ProcessTree } from "../src/tree.js";
import { cleanup, tempDir } from "./helpers.js";

const units = readHostUnits();

interface FakeProcess {
  pid: number;
  ppid: number;
  comm: string;
  utime: number;
  stime: number;
  cutime?: number;
  rssPages: number;
  fds: number;
  children?: number[];
  io?: { read: number; write: number } | "unreadable";
}

function statLine(p: FakeProcess): string {
  // Fields 3..52 of proc(5); only the ones the collector reads carry meaning.
  const fields = Array.from({ length: 50 }, () => "0");
  const set = (n: number, v: string | number) => {
    fields[n - 3] = String(v);
  };
  set(3, "S");
  set(4, p.ppid);
  set(14, p.utime);
  set(15, p.stime);
  set(16, p.cutime ?? 0);
  set(17, 0);
  set(20, 1);
  set(22, 1000);
  set(23, 50_000_000);
  set(24, p.rssPages);
  return `${p.pid} (${p.comm}) ${fields.join(" ")}\n`;
}

/** A directory shaped like /proc for a few processes, for what a real /proc cannot be made to do. */
function fakeProc(processes: FakeProcess[], options: { childrenFiles: boolean }): string {
  const root = tempDir();
  writeFileSync(join(root, "uptime"), "5000.00 9000.00\n");
  for (const p of processes) {
    const dir = join(root, String(p.pid));
    mkdirSync(join(dir, "fd"), { recursive: true });
    mkdirSync(join(dir, "task", String(p.pid)), { recursive: true });
    writeFileSync(join(dir, "stat"), statLine(p));
    writeFileSync(join(dir, "cmdline"), `${p.comm}\0--flag\0`);
    writeFileSync(
      join(dir, "status"),
      `Name:\t${p.comm}\nvoluntary_ctxt_switches:\t10\nnonvoluntary_ctxt_switches:\t2\n`,
    );
    // A directory where a file belongs cannot be read (EISDIR): it stands for a denied file.
    if (p.io === "unreadable") mkdirSync(join(dir, "io"));
    else
      writeFileSync(
        join(dir, "io"),
        `rchar: 1\nwchar: 1\nread_bytes: ${p.io?.read ?? 0}\nwrite_bytes: ${p.io?.write ?? 0}\n`,
      );
    for (let fd = 0; fd < p.fds; fd++) writeFileSync(join(dir, "fd", String(fd)), "");
    if (options.childrenFiles)
      writeFileSync(
        join(dir, "task", String(p.pid), "children"),
        (p.children ?? []).map((c) => `${c} `).join(""),
      );
  }
  return root;
}

const app: FakeProcess = {
  pid: 100,
  ppid: 1,
  comm: "my app",
  utime: 150,
  stime: 50,
  cutime: 100,
  rssPages: 1000,
  fds: 3,
  children: [101],
  io: { read: 4096, write: 8192 },
};
const worker: FakeProcess = {
  pid: 101,
  ppid: 100,
  comm: "worker",
  utime: 20,
  stime: 10,
  rssPages: 500,
  fds: 2,
};
const stranger: FakeProcess = {
  pid: 300,
  ppid: 1,
  comm: "other",
  utime: 999,
  stime: 999,
  rssPages: 9999,
  fds: 9,
};

afterEach(cleanup);

function env(procRoot: string, problems: string[]): ProcEnv {
  return {
    procRoot,
    buffer: new ReadBuffer(64),
    fdCountFromSize: false,
    onProblem: (kind, failure) => problems.push(`${kind}:${failure}`),
  };
}

/** The points of a round that writes only perf_process, typed as such. */
function processPoints(points: CollectOnceResult<typeof collector.measurements>) {
  const process = points.filter((p) => p.measurement === "perf_process");
  expect(process).toHaveLength(points.length);
  return process;
}

describe("reading a /proc-shaped directory (procRoot)", () => {
  it("sums the tree and leaves out processes outside it", async () => {
    const procRoot = fakeProc([app, worker, stranger], { childrenFiles: true });
    const points = await collectOnce(collector, { pid: 100, procRoot, gpu: false });
    const sum = points.find((p) => p.measurement === "perf_process")!;
    expect(sum.tags).toMatchObject({ command: "my app", pid: "100", scope: "tree", source: "perf" });
    const value = (key: keyof typeof sum.fields) => sum.fields[key]?.value;
    expect(value("cpu_user_seconds")).toBeCloseTo((150 + 100 + 20) / units.clockTicks);
    expect(value("cpu_system_seconds")).toBeCloseTo((50 + 10) / units.clockTicks);
    expect(value("rss_bytes")).toBe(BigInt(1500 * units.pageSize));
    expect(value("open_fds")).toBe(5n);
    expect(value("processes")).toBe(2n);
    expect(value("threads")).toBe(2n);
    expect(value("voluntary_context_switches")).toBe(20n);
    expect(value("write_bytes")).toBe(8192n);
  });

  it("writes one point per process with --per-process", async () => {
    const procRoot = fakeProc([app, worker, stranger], { childrenFiles: true });
    const points = processPoints(
      await collectOnce(collector, { pid: 100, procRoot, perProcess: true, gpu: false }),
    );
    expect(points.map((p) => [p.tags.pid, p.tags.command, p.tags.scope])).toEqual([
      ["100", "my app", "process"],
      ["101", "worker", "process"],
    ]);
    // Per process the CPU is the process's own, without what it reaped.
    expect(points[0]!.fields.cpu_user_seconds?.value).toBeCloseTo(150 / units.clockTicks);
  });

  it("finds children by scanning parent pids when task/<tid>/children files are missing", async () => {
    const grandchild: FakeProcess = { ...worker, pid: 102, ppid: 101, comm: "grandchild" };
    const procRoot = fakeProc([app, worker, grandchild, stranger], { childrenFiles: false });
    const points = processPoints(
      await collectOnce(collector, { pid: 100, procRoot, perProcess: true, gpu: false }),
    );
    expect(points.map((p) => p.tags.pid).sort()).toEqual(["100", "101", "102"]);
  });

  it("keeps the readable fields of a process whose io file cannot be read, and reports it once", async () => {
    const procRoot = fakeProc([app, { ...worker, io: "unreadable" }], { childrenFiles: true });
    const problems: string[] = [];
    const tree = new ProcessTree(100, env(procRoot, problems), units, performance.now());
    const first = tree.update(performance.now());
    const second = tree.update(performance.now() + 1000);
    expect(problems).toEqual(["io:error"]);
    expect(second.totals.readBytes).toBeUndefined();
    expect(second.totals.writeBytes).toBeUndefined();
    expect(second.totals.processes).toBe(2);
    expect(second.totals.openFds).toBe(5);
    const workerView = first.processes.find((p) => p.pid === 101)!;
    expect(workerView.sample.io).toBeUndefined();
    expect(workerView.sample.stat.utime).toBe(20);
    tree.close();

    const points = processPoints(
      await collectOnce(collector, { pid: 100, procRoot, perProcess: true, gpu: false }),
    );
    expect(points.find((p) => p.tags.pid === "101")!.fields.read_bytes).toBeUndefined();
    expect(points.find((p) => p.tags.pid === "100")!.fields.read_bytes?.value).toBe(4096n);
  });

  it("accounts a process that vanishes between rounds and skips a child that vanished before its first read", async () => {
    const ghost: FakeProcess = { ...worker, pid: 103, comm: "ghost" };
    const procRoot = fakeProc([{ ...app, children: [101, 103] }, worker, ghost], { childrenFiles: true });
    // The ghost is listed as a child but its files are gone (it exited and was reaped).
    rmSync(join(procRoot, "103"), { recursive: true });
    const problems: string[] = [];
    const tree = new ProcessTree(100, env(procRoot, problems), units, performance.now());
    const first = tree.update(performance.now());
    expect(first.processes.map((p) => p.pid)).toEqual([100, 101]);
    // The worker exits: a reaped process's /proc files read empty or fail with ESRCH.
    writeFileSync(join(procRoot, "101", "stat"), "");
    const second = tree.update(performance.now() + 1000);
    expect(second.processes.map((p) => p.pid)).toEqual([100]);
    // Its CPU is still in the total (pending on its parent, whose cutime does not show it yet).
    expect(second.totals.cpuUserSeconds).toBeCloseTo(first.totals.cpuUserSeconds);
    expect(second.totals.processes).toBe(1);
    expect(tree.maxProcesses).toBe(2);
    expect(problems).toEqual([]);
    tree.close();
  });

  it("refuses a pid that is not there with a message naming it", async () => {
    const procRoot = fakeProc([app], { childrenFiles: true });
    await expect(collectOnce(collector, { pid: 4242, procRoot, gpu: false })).rejects.toThrow(
      /PM_PID \(--pid\): no process with pid 4242/,
    );
  });
});
