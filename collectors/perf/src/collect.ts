import { basename } from "node:path";
import type { CollectContext, PointFunction } from "@platform-metrics/sdk";
import type { PerfConfig } from "./config.js";
import type { measurements } from "./measurements.js";
import {
  type RunSummary,
  treeGpuMemory,
  writeGpu,
  writeProcess,
  writeRun,
  writeSystem,
  writeTreeSum,
} from "./points.js";
import { exitCodeOfWaitStatus } from "./proc/parse-stat.js";
import { writeResults } from "./results/points.js";
import { followMatch, type PerfState } from "./state.js";
import { findMatch } from "./target/match.js";
import type { TreeRound } from "./tree.js";

type Ctx = CollectContext<PerfConfig, PerfState, typeof measurements>;

/** How long after the command's exit its stdout may stay open (held by a background process) before results are read anyway. */
const STDOUT_GRACE_MS = 5000;

/** One round: host and GPU readings, the tree, and the run summary once the target has exited. */
export function collectRound(ctx: Ctx): void {
  const { state } = ctx;
  if (state.done) return;
  const now = performance.now();
  const point: PointFunction<typeof measurements> = (measurement) => ctx.point(measurement);
  if (state.system) writeSystem(point, state.host, state.system.sample());

  if (state.match && !state.tree && !waitForMatch(ctx, now)) {
    writeGpus(ctx, undefined);
    return;
  }
  const { tree, launched } = state;
  if (launched?.exit?.used && tree) tree.setRootFinal(launched.exit.used);
  const round = tree?.update(now);
  if (tree && round) {
    const treePids = state.gpu ? new Set(round.processes.map((view) => view.pid)) : undefined;
    const gpuMemory = writeGpus(ctx, treePids);
    writeTree(ctx, round, gpuMemory);
  } else {
    writeGpus(ctx, undefined);
  }
  state.problems.flush(ctx.log);
  // In launch mode the exit event is the end (it carries the code); otherwise the root's exit.
  const ended = launched
    ? launched.exit !== undefined && stdoutDone(launched, now)
    : tree?.rootExited === true;
  if (ended) finish(ctx, round, now);
}

/** Results read from stdout need all of it: the pipe closes just after the exit, or never if a background process holds it. */
function stdoutDone(launched: NonNullable<PerfState["launched"]>, now: number): boolean {
  const { stdout, exit } = launched;
  return !stdout || stdout.ended || now - exit!.at >= STDOUT_GRACE_MS;
}

function waitForMatch(ctx: Ctx, now: number): boolean {
  const { state, config, log } = ctx;
  const match = state.match!;
  const pid = findMatch(config.procRoot, state.env.buffer, match.pattern, match.exclude);
  if (pid !== undefined) {
    followMatch(state, pid, log, now);
    return true;
  }
  if (match.timeoutMs > 0 && now - match.since >= match.timeoutMs) {
    const reason = `no process matched ${JSON.stringify(config.match)} within PM_WAIT_TIMEOUT (${config.waitTimeout} ms)`;
    log.error(reason);
    state.done = true;
    ctx.stop({ exitCode: 1, reason });
  }
  return false;
}

function writeTree(ctx: Ctx, round: TreeRound, gpuMemory: Map<number, number> | undefined): void {
  const { state, config } = ctx;
  const tree = state.tree!;
  const point: PointFunction<typeof measurements> = (measurement) => ctx.point(measurement);
  if (config.perProcess) {
    for (const view of round.processes)
      writeProcess(point, view, state.units, gpuMemory?.get(view.pid) ?? gpuOff(gpuMemory));
    return;
  }
  const treeGpu = gpuMemory ? [...gpuMemory.values()].reduce((sum, bytes) => sum + bytes, 0) : undefined;
  writeTreeSum(point, { comm: commandName(ctx), pid: tree.rootPid }, round.totals, treeGpu);
}

/** 0 when GPU memory is known and this process holds none; undefined when unknown. */
function gpuOff(gpuMemory: Map<number, number> | undefined): number | undefined {
  return gpuMemory ? 0 : undefined;
}

/** Writes perf_gpu; returns the tree's GPU memory per pid when nvidia-smi's process list is known. */
function writeGpus(ctx: Ctx, treePids: ReadonlySet<number> | undefined): Map<number, number> | undefined {
  const monitor = ctx.state.gpu;
  if (!monitor) return undefined;
  const apps = monitor.computeApps();
  const memory = apps && treePids ? treeGpuMemory(apps, treePids) : undefined;
  for (const gpu of monitor.gpus()) {
    const tree = memory ? (memory.byGpu.get(gpu.uuid) ?? { bytes: 0, processes: 0 }) : undefined;
    writeGpu((measurement) => ctx.point(measurement), gpu, tree);
  }
  return memory?.byPid;
}

function commandName(ctx: Ctx): string {
  const { state, config } = ctx;
  if (config.command) return basename(config.command[0]!);
  return state.tree?.rootComm ?? "unknown";
}

function finish(ctx: Ctx, round: TreeRound | undefined, now: number): void {
  const { state, log } = ctx;
  const { tree, launched, units } = state;
  let wallSeconds: number | undefined;
  let exitCode: number | undefined;
  if (launched?.exit) {
    wallSeconds = (launched.exit.at - launched.startedAt) / 1000;
    exitCode = launched.exit.code;
  } else if (tree) {
    if (tree.rootStartTime !== undefined && state.bootAtMs !== undefined)
      wallSeconds = (now - (state.bootAtMs + (tree.rootStartTime / units.clockTicks) * 1000)) / 1000;
    if (tree.rootExitStatus !== undefined) exitCode = exitCodeOfWaitStatus(tree.rootExitStatus);
  }
  const totals = round?.totals;
  const used = launched?.exit?.used;
  const seen = tree !== undefined && tree.maxProcesses > 0;
  const summary = {
    command: commandName(ctx),
    pid: tree?.rootPid ?? launched?.pid,
    target: state.mode,
    wallSeconds: wallSeconds === undefined ? undefined : Math.max(0, wallSeconds),
    exitCode,
    cpuUserSeconds: totals?.cpuUserSeconds ?? (used ? used.userTicks / units.clockTicks : 0),
    cpuSystemSeconds: totals?.cpuSystemSeconds ?? (used ? used.systemTicks / units.clockTicks : 0),
    peakRssBytes: seen ? tree.peakRssBytes : undefined,
    readBytes: totals ? totals.readBytes : used?.readBytes,
    writeBytes: totals ? totals.writeBytes : used?.writeBytes,
    maxProcesses: seen ? tree.maxProcesses : undefined,
    run: state.run,
    results: writeRunResults(ctx),
  };
  writeRun((measurement) => ctx.point(measurement), summary);
  const { pid, run, ...rest } = summary;
  log.info({ ...rest, ...run, targetPid: pid }, "target exited; run summary written");
  state.done = true;
  ctx.stop({ exitCode: state.mode === "launch" ? (exitCode ?? 1) : 0, reason: "target exited" });
}

/** With --results: parses them and writes their points; every problem is a warning, never a lost run. */
function writeRunResults(ctx: Ctx): RunSummary["results"] {
  const { state, log } = ctx;
  if (!state.results || !state.run) return undefined;
  const { spec, before, read } = state.results;
  const { format, source, results } = read(spec, state.launched?.stdout, before);
  for (const problem of results.problems)
    log.warn(
      { results: source, format },
      `results from ${source}${format ? ` (${format})` : ""}: ${problem}`,
    );
  if (format) writeResults((measurement) => ctx.point(measurement), format, results, state.run);
  const failed = results.tests.filter((test) => test.status === "fail" || test.status === "error").length;
  log.info(
    { results: source, format, bench: results.bench.length, tests: results.tests.length, failed },
    "results read",
  );
  return {
    bench: results.bench.length,
    tests: results.tests.length,
    failed,
    problems: results.problems.length,
  };
}
