import { hostname } from "node:os";
import type { BaseContext, CommonConfig, Logger } from "@platform-metrics/sdk";
import type { PerfConfig } from "./config.js";
import { findExecutable } from "./gpu/find-executable.js";
import type { GpuMonitor } from "./gpu/nvidia-smi.js";
import { fdCountFromSize, type HostUnits, readHostUnits, readUptimeSeconds } from "./proc/host.js";
import { LastPid } from "./proc/last-pid.js";
import type { ProcEnv, ProcFileKind } from "./proc/process-handle.js";
import { ReadBuffer } from "./proc/read-buffer.js";
import type { FileStamp, readResults } from "./results/read-results.js";
import type { ResultsSpec } from "./results/spec.js";
import type { RunTags } from "./run/identity.js";
import { SystemSampler } from "./system.js";
import type { Launched } from "./target/launch.js";
import { findMatch, selfAndAncestors } from "./target/match.js";
import { checkPid } from "./target/pid.js";
import { ProcessTree } from "./tree.js";

export type PerfContext = BaseContext<PerfConfig>;

/** Everything that lives from one round to the next. */
export interface PerfState {
  mode: "pid" | "match" | "launch";
  /** Set once the run is over (or the settings were refused): later rounds do nothing. */
  done: boolean;
  units: HostUnits;
  env: ProcEnv;
  problems: ProblemReporter;
  host: string;
  /** performance.now() at boot, to place process start times (ticks after boot) on our clock. */
  bootAtMs: number | undefined;
  tree: ProcessTree | undefined;
  match: { pattern: RegExp; exclude: Set<number>; since: number; timeoutMs: number } | undefined;
  launched: Launched | undefined;
  /** Launch mode: the tags that identify the run. */
  run: RunTags | undefined;
  /** With --results: what to read at the end, the result file as it was before the command ran, the reader. */
  results: { spec: ResultsSpec; before: FileStamp; read: typeof readResults } | undefined;
  system: SystemSampler | undefined;
  gpu: GpuMonitor | undefined;
}

const FIELDS_OF: Record<ProcFileKind, string> = {
  stat: "the process",
  status: "voluntary/involuntary_context_switches",
  io: "read_bytes and write_bytes",
  fd: "open_fds",
  children: "children found through /proc/<pid>/task",
};

/**
 * Collects unreadable /proc files during a round and warns once per kind of file, in one message
 * per round: a sidecar without SYS_PTRACE gets one clear warning, not one per process or field.
 */
export class ProblemReporter {
  private readonly warned = new Set<string>();
  private fresh: { kind: ProcFileKind; failure: string; path: string; code: string | undefined }[] = [];

  readonly report: ProcEnv["onProblem"] = (kind, failure, path, code) => {
    const key = `${kind}:${failure}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.fresh.push({ kind, failure, path, code });
  };

  flush(log: Logger): void {
    if (this.fresh.length === 0) return;
    const problems = this.fresh;
    this.fresh = [];
    const where = problems.map((p) => `${p.path} (${p.code ?? p.failure})`).join(", ");
    const fields = problems.map((p) => FIELDS_OF[p.kind]).join("; ");
    const fix = problems.some((p) => p.failure === "denied")
      ? "; give the collector the SYS_PTRACE capability (and the target's pid namespace) or run it as the target's user"
      : "";
    log.warn(
      { files: problems.map((p) => p.path) },
      `cannot read ${where}: ${fields} left out${fix} (warned once)`,
    );
  }
}

/** Finds or starts the target and opens what the rounds read. Throws when the target is not there. */
export async function setupState(ctx: PerfContext): Promise<PerfState> {
  const { config, log } = ctx;
  const units = readHostUnits();
  const buffer = new ReadBuffer();
  const problems = new ProblemReporter();
  const env: ProcEnv = {
    procRoot: config.procRoot,
    buffer,
    fdCountFromSize: fdCountFromSize(config.procRoot),
    lastPid: new LastPid(config.procRoot, buffer),
    onProblem: problems.report,
  };
  const uptime = readUptimeSeconds(config.procRoot);
  const state: PerfState = {
    mode: config.command ? "launch" : config.match !== undefined ? "match" : "pid",
    done: false,
    units,
    env,
    problems,
    host: config.nodeName ?? hostname(),
    bootAtMs: uptime === undefined ? undefined : performance.now() - uptime * 1000,
    tree: undefined,
    match: undefined,
    launched: undefined,
    run: undefined,
    results: undefined,
    system: undefined,
    gpu: undefined,
  };
  const now = performance.now();
  if (config.pid !== undefined) {
    const missing = checkPid(config.procRoot, config.pid);
    if (missing) throw new Error(`PM_PID (--pid): ${missing}`);
    state.tree = new ProcessTree(config.pid, env, units, now);
    if (!state.tree.rootSeen) throw new Error(`PM_PID (--pid): process ${config.pid} exited at start`);
    log.info({ targetPid: config.pid, command: state.tree.rootComm }, "following process");
  } else if (config.match !== undefined) {
    state.match = {
      pattern: new RegExp(config.match),
      exclude: selfAndAncestors(config.procRoot, buffer),
      since: now,
      timeoutMs: config.waitTimeout,
    };
    const pid = findMatch(config.procRoot, buffer, state.match.pattern, state.match.exclude);
    if (pid !== undefined) followMatch(state, pid, log, now);
    else log.info({ match: config.match, waitTimeout: config.waitTimeout }, "waiting for a matching process");
  } else if (config.command) {
    // Loaded only for the modes that start processes: child_process is not needed otherwise.
    const { launch } = await import("./target/launch.js");
    const { runIdentity } = await import("./run/identity.js");
    state.run = runIdentity({
      env: process.env,
      cwd: process.cwd(),
      host: state.host,
      podName: config.podName,
      given: { run: config.run, project: config.project, branch: config.branch, commit: config.commit },
    });
    if (config.results) {
      // Loaded only with --results: the parsers (and the XML parser) cost nothing otherwise.
      const { readResults, stampFile } = await import("./results/read-results.js");
      const spec = config.results;
      const before = spec.file === undefined ? undefined : stampFile(spec.file);
      state.results = { spec, before, read: readResults };
    }
    state.launched = launch(config.command, {
      procRoot: config.procRoot,
      buffer,
      log,
      stdout: config.sink.kind === "stdout" ? "stderr" : "inherit",
      captureStdout: state.results !== undefined && state.results.spec.file === undefined,
    });
    if (state.launched.pid !== undefined) {
      state.tree = new ProcessTree(state.launched.pid, env, units, now);
      log.info({ targetPid: state.launched.pid, command: config.command, ...state.run }, "launched");
    }
  }
  if (config.system) state.system = new SystemSampler(config.procRoot, buffer);
  if (config.gpu) {
    const executable = findExecutable(config.nvidiaSmi);
    if (executable) {
      const { GpuMonitor } = await import("./gpu/nvidia-smi.js");
      state.gpu = new GpuMonitor({ executable, intervalMs: config.interval, log });
      state.gpu.start();
      log.info({ nvidiaSmi: executable }, "GPU metrics from nvidia-smi");
    } else {
      log.debug({ nvidiaSmi: config.nvidiaSmi }, "nvidia-smi not found: no perf_gpu");
    }
  }
  problems.flush(log);
  return state;
}

export function followMatch(state: PerfState, pid: number, log: Logger, now: number): void {
  state.tree = new ProcessTree(pid, state.env, state.units, now);
  log.info({ targetPid: pid, command: state.tree.rootComm }, "following matching process");
}

export async function teardownState(state: PerfState | undefined, config: CommonConfig): Promise<void> {
  if (!state) return;
  state.tree?.close();
  state.env.lastPid?.close();
  state.system?.close();
  await state.gpu?.stop();
  if (state.launched) {
    const { stopChild } = await import("./target/launch.js");
    await stopChild(state.launched, Math.min(5000, config.shutdownTimeout / 2));
  }
}
