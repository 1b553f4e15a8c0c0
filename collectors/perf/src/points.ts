import type { PointFunction } from "@platform-metrics/sdk";
import type { AppReading, GpuReading } from "./gpu/parse-csv.js";
import type { measurements } from "./measurements.js";
import type { HostUnits } from "./proc/host.js";
import { tagRun } from "./results/points.js";
import type { RunTags } from "./run/identity.js";
import type { SystemReading } from "./system.js";
import type { ProcessView, TreeTotals } from "./tree.js";

type PointFn = PointFunction<typeof measurements>;

const MIB = 1024 * 1024;

export function writeTreeSum(
  point: PointFn,
  root: { comm: string; pid: number },
  totals: TreeTotals,
  gpuMemoryBytes: number | undefined,
): void {
  point("perf_process")
    .tag("command", root.comm)
    .tag("pid", root.pid)
    .tag("scope", "tree")
    .float("cpu_percent", totals.cpuPercent)
    .float("cpu_user_seconds", totals.cpuUserSeconds)
    .float("cpu_system_seconds", totals.cpuSystemSeconds)
    .integer("rss_bytes", totals.rssBytes)
    .integer("vms_bytes", totals.vmsBytes)
    .integer("threads", totals.threads)
    .integer("open_fds", totals.openFds)
    .integer("read_bytes", totals.readBytes)
    .integer("write_bytes", totals.writeBytes)
    .integer("voluntary_context_switches", totals.voluntaryContextSwitches)
    .integer("involuntary_context_switches", totals.involuntaryContextSwitches)
    .integer("processes", totals.processes)
    .integer("gpu_memory_bytes", gpuMemoryBytes);
}

export function writeProcess(
  point: PointFn,
  view: ProcessView,
  units: HostUnits,
  gpuMemoryBytes: number | undefined,
): void {
  const { stat, status, io, openFds } = view.sample;
  point("perf_process")
    .tag("command", view.comm)
    .tag("pid", view.pid)
    .tag("scope", "process")
    .float("cpu_percent", view.cpuPercent)
    .float("cpu_user_seconds", stat.utime / units.clockTicks)
    .float("cpu_system_seconds", stat.stime / units.clockTicks)
    .integer("rss_bytes", stat.rssPages * units.pageSize)
    .integer("vms_bytes", stat.vsizeBytes)
    .integer("threads", stat.numThreads)
    .integer("open_fds", openFds)
    .integer("read_bytes", io?.readBytes)
    .integer("write_bytes", io?.writeBytes)
    .integer("voluntary_context_switches", status?.voluntaryContextSwitches)
    .integer("involuntary_context_switches", status?.involuntaryContextSwitches)
    .integer("gpu_memory_bytes", gpuMemoryBytes);
}

export interface RunSummary {
  command: string;
  pid: number | undefined;
  target: "pid" | "match" | "launch";
  wallSeconds: number | undefined;
  exitCode: number | undefined;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  peakRssBytes: number | undefined;
  readBytes: number | undefined;
  writeBytes: number | undefined;
  maxProcesses: number | undefined;
  /** Launch mode. */
  run?: RunTags;
  /** With --results: how many points of each kind were written, failed tests, problems met. */
  results?: { bench: number; tests: number; failed: number; problems: number };
}

export function writeRun(point: PointFn, run: RunSummary): void {
  const builder = point("perf_run")
    .tag("command", run.command)
    .tag("pid", run.pid)
    .tag("target", run.target)
    .float("wall_seconds", run.wallSeconds)
    .integer("exit_code", run.exitCode)
    .float("cpu_user_seconds", run.cpuUserSeconds)
    .float("cpu_system_seconds", run.cpuSystemSeconds)
    .integer("peak_rss_bytes", run.peakRssBytes)
    .integer("read_bytes", run.readBytes)
    .integer("write_bytes", run.writeBytes)
    .integer("max_processes", run.maxProcesses)
    .integer("bench_results", run.results?.bench)
    .integer("test_results", run.results?.tests)
    .integer("tests_failed", run.results?.failed)
    .integer("results_problems", run.results?.problems);
  if (run.run) tagRun(builder, run.run);
}

export function writeSystem(point: PointFn, host: string, reading: SystemReading): void {
  const used = (total: number | undefined, free: number | undefined) =>
    total !== undefined && free !== undefined ? total - free : undefined;
  point("perf_system")
    .tag("host", host)
    .float("cpu_percent", reading.cpuPercent)
    .float("cpu_user_percent", reading.cpuUserPercent)
    .float("cpu_system_percent", reading.cpuSystemPercent)
    .float("cpu_iowait_percent", reading.cpuIowaitPercent)
    .integer("cpus", reading.cpus)
    .integer("mem_total_bytes", reading.memTotalBytes)
    .integer("mem_available_bytes", reading.memAvailableBytes)
    .integer("mem_used_bytes", used(reading.memTotalBytes, reading.memAvailableBytes))
    .integer("swap_total_bytes", reading.swapTotalBytes)
    .integer("swap_used_bytes", used(reading.swapTotalBytes, reading.swapFreeBytes))
    .float("load1", reading.load1)
    .float("load5", reading.load5)
    .float("load15", reading.load15)
    .integer("processes_running", reading.processesRunning)
    .integer("processes_total", reading.processesTotal);
}

/** GPU memory of the tree's processes: per GPU uuid and per pid, in bytes. */
export function treeGpuMemory(apps: readonly AppReading[], treePids: ReadonlySet<number>) {
  const byGpu = new Map<string, { bytes: number; processes: number }>();
  const byPid = new Map<number, number>();
  for (const app of apps) {
    if (!treePids.has(app.pid)) continue;
    const bytes = Math.round((app.usedMemoryMiB ?? 0) * MIB);
    const gpu = byGpu.get(app.gpuUuid) ?? { bytes: 0, processes: 0 };
    gpu.bytes += bytes;
    gpu.processes++;
    byGpu.set(app.gpuUuid, gpu);
    byPid.set(app.pid, (byPid.get(app.pid) ?? 0) + bytes);
  }
  return { byGpu, byPid };
}

export function writeGpu(
  point: PointFn,
  gpu: GpuReading,
  tree: { bytes: number; processes: number } | undefined,
): void {
  const mib = (value: number | undefined) => (value === undefined ? undefined : Math.round(value * MIB));
  point("perf_gpu")
    .tag("gpu_index", gpu.index)
    .tag("gpu_uuid", gpu.uuid)
    .tag("gpu_name", gpu.name)
    .float("utilization_percent", gpu.utilizationPercent)
    .integer("memory_used_bytes", mib(gpu.memoryUsedMiB))
    .integer("memory_total_bytes", mib(gpu.memoryTotalMiB))
    .float("power_watts", gpu.powerWatts)
    .float("temperature_celsius", gpu.temperatureCelsius)
    .integer("tree_memory_used_bytes", tree?.bytes)
    .integer("tree_processes", tree?.processes);
}
