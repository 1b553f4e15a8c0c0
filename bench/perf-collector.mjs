#!/usr/bin/env node
// CPU and memory it costs to watch a 50-process tree at 10 Hz: pm-collector-perf (tree sum, and
// --per-process) beside a psutil loop reading the same fields (cpu times, rss/vms, threads, fds,
// io counters, context switches, children), each watching the same tree for the same time.
// Two trees: an idle one (every process asleep) and a busy one (42 of its 50 processes wake 20
// times a second, so each has run between two samples and has to be read in full).
//
//   node bench/perf-collector.mjs [seconds per watcher, default 10] [idle|busy, default both]
//
// Needs collectors/perf built (npm run build) and /usr/bin/python3 with python3-psutil.
// dist/bin.js is the bundled bin (scripts/bundle-bin.mjs); it runs with plain node, with the image's
// NODE_OPTIONS, and with the image's NODE_OPTIONS of before (the memory --v8-pool-size=1 saves).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { listPids, ProcessTree, ReadBuffer } from "@platform-metrics/collector-perf";

const BIN = fileURLToPath(new URL("../collectors/perf/dist/bin.js", import.meta.url));
const PYTHON = "/usr/bin/python3";
const seconds = Number(process.argv[2] ?? 10);
if (!(seconds > 0))
  throw new Error(`expected seconds per watcher as a positive number, got ${process.argv[2]}`);
const kinds = process.argv[3] ? [process.argv[3]] : ["idle", "busy"];
if (!kinds.every((kind) => kind === "idle" || kind === "busy"))
  throw new Error(`expected idle or busy as the tree, got ${process.argv[3]}`);
// Long enough for V8 to have compiled the round's hot code and for its memory reducer to have run
// the major GCs that follow start-up (8-9 s after it, --trace-gc): a sidecar runs for hours, and the
// start-up (module loading, compiling, those GCs) is reported on its own.
const WARMUP_MS = 10_000;
// NODE_OPTIONS as deploy/Dockerfile runs collectors, and as it did before --v8-pool-size=1.
const IMAGE_NODE_OPTIONS = "--max-semi-space-size=1 --v8-pool-size=1";
const OLD_IMAGE_NODE_OPTIONS = "--max-semi-space-size=1";
const REPEATS = 3;
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
// The baseline must exist before any process starts: without it there is nothing to compare with.
const psutilCheck = spawnSync(PYTHON, ["-c", "import psutil; print(psutil.__version__)"], {
  encoding: "utf8",
});
if (psutilCheck.status !== 0)
  throw new Error(
    `the baseline needs ${PYTHON} with psutil (apt-get install python3-psutil): ${(psutilCheck.stderr || String(psutilCheck.error)).trim().split("\n").at(-1)}`,
  );
const psutilVersion = psutilCheck.stdout.trim();
const dir = mkdtempSync(join(tmpdir(), "pm-perf-bench-"));

const PSUTIL_LOOP = `
import os, sys, time, psutil
pid, hz = int(sys.argv[1]), float(sys.argv[2])
root = psutil.Process(pid)
samples, period, next_at = 0, 1.0 / hz, time.monotonic()
while True:
    try:
        procs = [root] + root.children(recursive=True)
    except psutil.NoSuchProcess:
        break
    total = {}
    for p in procs:
        try:
            with p.oneshot():
                t = p.cpu_times(); m = p.memory_info(); io = p.io_counters(); cs = p.num_ctx_switches()
                row = (t.user + t.children_user, t.system + t.children_system, m.rss, m.vms,
                       p.num_threads(), p.num_fds(), io.read_bytes, io.write_bytes, cs.voluntary, cs.involuntary)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        for i, v in enumerate(row):
            total[i] = total.get(i, 0) + v
    samples += 1
    sys.stdout.write("%d %d\\n" % (samples, len(procs))); sys.stdout.flush()
    next_at += period
    time.sleep(max(0.0, next_at - time.monotonic()))
`;

// The floor under any watcher in Node.js: the system calls alone. Every 100 ms, for every process of
// the tree (found once), one pread each of stat, status, io and schedstat and one fstat of the fd
// directory, files kept open; nothing parsed, nothing written but a line per round. That is what a
// collector must read in a round where every process ran (the busy tree); for the idle tree the
// collector reads less than this. \`node -e\` puts the first argument at argv[1].
const READS_ONLY = `
import { fstatSync, openSync, readFileSync, readSync } from "node:fs";
const pids = [Number(process.argv[1])];
for (let i = 0; i < pids.length; i++)
  for (const c of readFileSync("/proc/" + pids[i] + "/task/" + pids[i] + "/children", "latin1").split(" "))
    if (c) pids.push(Number(c));
const open = (pid, name) => openSync("/proc/" + pid + "/" + name, "r");
const files = pids.map((pid) => ["stat", "status", "io", "schedstat"].map((name) => open(pid, name)));
const fdDirs = pids.map((pid) => open(pid, "fd"));
const buffer = Buffer.allocUnsafe(8192);
let rounds = 0;
setInterval(() => {
  for (let p = 0; p < files.length; p++) {
    for (const fd of files[p]) readSync(fd, buffer, 0, buffer.length, 0);
    fstatSync(fdDirs[p]);
  }
  process.stdout.write(++rounds + "\\n");
}, 100);`;

const EMPTY_COLLECTOR = `
import { defineCollector, runCollector } from "@platform-metrics/sdk";
await runCollector(defineCollector({
  name: "idle", interval: "1s",
  measurements: { perf_idle: { tags: [], fields: { n: "integer" } } },
  collect: (ctx) => { ctx.point("perf_idle").integer("n", ctx.round); },
}));`;

/**
 * A tree of 50 processes: sh -> 7 subshells -> 6 leaves each (1 + 7 + 42). Idle: the leaves
 * sleep. Busy: each leaf wakes every 50 ms (a perl select loop: no new processes, little CPU).
 */
function startTree(kind) {
  const leaf = kind === "busy" ? `perl -e "select(undef, undef, undef, 0.05) while 1"` : "sleep 600";
  const script = `for g in 1 2 3 4 5 6 7; do (for s in 1 2 3 4 5 6; do ${leaf} & done; wait) & done; wait`;
  return spawn("sh", ["-c", script], { stdio: "ignore", detached: true });
}

/**
 * CPU time of a process, all threads, from the scheduler's own count (schedstat, nanoseconds):
 * tick-based utime/stime (10 ms steps, charged to whoever runs at the tick) is too coarse and
 * biased for a process that wakes up for a millisecond ten times a second.
 */
function cpuSeconds(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "latin1").split(" ")[0]);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return ns / 1e9;
}

/** VmHWM (peak resident set since start or since the last reset) and VmRSS, in MiB. */
function memoryMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "latin1");
  const kib = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)[1]) / 1024;
  return { peak: kib("VmHWM"), rss: kib("VmRSS") };
}

/** Resets VmHWM to the current RSS (clear_refs "5", Linux 4.0+), so that it measures from now on. */
function resetPeak(pid) {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

/**
 * Runs a watcher for `seconds` after a warm-up. CPU and peak RSS are measured over the steady
 * state only, for every watcher alike; what the start-up cost (CPU and peak RSS up to the end of
 * the warm-up) is reported beside.
 */
async function measure(name, command, args, env, countSamples) {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
    cwd: fileURLToPath(new URL("..", import.meta.url)),
  });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => {
    stdout += chunk;
  });
  await sleep(WARMUP_MS);
  const cpu0 = cpuSeconds(child.pid);
  const startPeak = memoryMiB(child.pid).peak;
  resetPeak(child.pid);
  const samples0 = countSamples(stdout);
  await sleep(seconds * 1000);
  const cpu1 = cpuSeconds(child.pid);
  const samples1 = countSamples(stdout);
  const { peak, rss } = memoryMiB(child.pid);
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("close", resolve));
  const samples = samples1 - samples0;
  const cpu = cpu1 - cpu0;
  return {
    name,
    cpu,
    samples,
    perSampleMs: (cpu / samples) * 1000,
    cpuPercent: (cpu / seconds) * 100,
    startCpuMs: cpu0 * 1000,
    startPeak,
    peak,
    rss,
  };
}

/** Counts the lines of `file` (a file sink) that start with `pattern`. */
const countLines = (file, pattern) => () => {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line.startsWith(pattern)).length;
  } catch {
    return 0;
  }
};

async function benchTree(kind) {
  const tree = startTree(kind);
  try {
    await sleep(1000);
    // Check the tree really has 50 processes, with the collector's own tree walker.
    const walker = new ProcessTree(
      tree.pid,
      { procRoot: "/proc", buffer: new ReadBuffer(), fdCountFromSize: true, onProblem() {} },
      { clockTicks: CLK_TCK, pageSize: 4096 },
      performance.now(),
    );
    const size = walker.update(performance.now()).totals.processes;
    walker.close();
    if (size !== 50) throw new Error(`expected a 50-process tree, found ${size}`);

    const collectorEnv = (file, extra = {}) => ({
      PM_SINK: `file:${file}`,
      PM_INTERVAL: "100ms",
      PM_JITTER: "0ms",
      PM_HTTP_PORT: "0",
      PM_GPU: "false",
      PM_LOG_LEVEL: "warn",
      ...extra,
    });
    writeFileSync(join(dir, "loop.py"), PSUTIL_LOOP);
    // All watchers run at the same time, so that the load of this (shared) machine weighs on each
    // alike; the run is repeated and the median kept.
    const once = (repeat) => {
      const file = (name) => join(dir, `${kind}-${name}-${repeat}.out`);
      return Promise.all([
        measure(
          "pm-collector-perf (tree sum)",
          process.execPath,
          [BIN, "--pid", String(tree.pid)],
          collectorEnv(file("tree")),
          countLines(file("tree"), "perf_process"),
        ),
        // The image (deploy/Dockerfile) runs collectors with a small young generation and one V8
        // worker thread.
        measure(
          `pm-collector-perf (tree sum), NODE_OPTIONS="${IMAGE_NODE_OPTIONS}" as in the image`,
          process.execPath,
          [BIN, "--pid", String(tree.pid)],
          { ...collectorEnv(file("tree-image")), NODE_OPTIONS: IMAGE_NODE_OPTIONS },
          countLines(file("tree-image"), "perf_process"),
        ),
        measure(
          `for reference: the same with NODE_OPTIONS=${OLD_IMAGE_NODE_OPTIONS} (the image before)`,
          process.execPath,
          [BIN, "--pid", String(tree.pid)],
          { ...collectorEnv(file("tree-old-image")), NODE_OPTIONS: OLD_IMAGE_NODE_OPTIONS },
          countLines(file("tree-old-image"), "perf_process"),
        ),
        measure(
          "pm-collector-perf (--per-process, 50 points/round)",
          process.execPath,
          [BIN, "--pid", String(tree.pid), "--per-process"],
          collectorEnv(file("per-process")),
          () => countLines(file("per-process"), "perf_process")() / 50,
        ),
        measure(
          "for reference: the reads alone (every file of every process, every round; no parsing, no SDK)",
          process.execPath,
          ["--input-type=module", "-e", READS_ONLY, String(tree.pid)],
          {},
          (stdout) => stdout.split("\n").filter(Boolean).length,
        ),
        // What the SDK itself costs at 10 Hz: a collector that writes one point a round and reads nothing.
        measure(
          "for reference: an empty collector on the same SDK",
          process.execPath,
          ["--input-type=module", "-e", EMPTY_COLLECTOR],
          collectorEnv(file("sdk-only")),
          countLines(file("sdk-only"), "perf_idle"),
        ),
        measure(
          `psutil ${psutilVersion} loop (baseline)`,
          PYTHON,
          [join(dir, "loop.py"), String(tree.pid), "10"],
          {},
          (stdout) => stdout.split("\n").filter(Boolean).length,
        ),
      ]);
    };
    const runs = [];
    for (let repeat = 0; repeat < REPEATS; repeat++) runs.push(await once(repeat));
    const results = runs[0].map((_, i) => {
      const all = runs.map((run) => run[i]).sort((a, b) => a.perSampleMs - b.perSampleMs);
      const median = all[Math.floor(all.length / 2)];
      const max = (key) => Math.max(...all.map((r) => r[key]));
      return {
        ...median,
        peak: max("peak"),
        rss: max("rss"),
        startPeak: max("startPeak"),
        spread: all.map((r) => r.perSampleMs),
      };
    });
    const baseline = results.at(-1);
    const sdkOnly = results.at(-2);
    const readsOnly = results.at(-3);
    const hostProcesses = listPids("/proc").length;
    const ratio = (r) => r.perSampleMs / baseline.perSampleMs;
    const loadAverage = readFileSync("/proc/loadavg", "latin1").split(" ").slice(0, 3).join(" ");
    console.log(
      `### ${kind === "busy" ? "Busy tree (42 of 50 processes wake every 50 ms)" : "Idle tree (all 50 processes asleep)"}\n\nWatching one 50-process tree at 10 Hz, all watchers at once, ${seconds} s each after a ${WARMUP_MS} ms warm-up; median of ${REPEATS} runs; ${hostProcesses} processes on the host; load average ${loadAverage} at the end. CPU from /proc/<pid>/task/*/schedstat.\n`,
    );
    console.log(
      "| watcher | samples | CPU % of one core | CPU ms per sample | runs (ms per sample) | vs psutil | start-up CPU ms | start-up peak RSS MiB | peak RSS after start-up MiB | RSS at the end MiB |",
    );
    console.log("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
    for (const r of results) {
      console.log(
        `| ${r.name} | ${r.samples.toFixed(0)} | ${r.cpuPercent.toFixed(2)} | ${r.perSampleMs.toFixed(2)} | ${r.spread.map((v) => v.toFixed(2)).join(", ")} | ${ratio(r).toFixed(2)}x | ${r.startCpuMs.toFixed(0)} | ${r.startPeak.toFixed(1)} | ${r.peak.toFixed(1)} | ${r.rss.toFixed(1)} |`,
      );
    }
    const ours = results[0];
    const image = results[1];
    console.log(
      `\nOf the collector's ${ours.perSampleMs.toFixed(2)} ms per round, an empty collector on the same SDK (scheduling, encoding, the pm_collector point, the sink) takes ${sdkOnly.perSampleMs.toFixed(2)} ms; its peak RSS after start-up is ${sdkOnly.peak.toFixed(1)} of the ${ours.peak.toFixed(1)} MiB. The reads alone (every file of every process) take ${readsOnly.perSampleMs.toFixed(2)} ms: with the empty collector, ${(readsOnly.perSampleMs + sdkOnly.perSampleMs).toFixed(2)} ms = ${(ratio(readsOnly) + ratio(sdkOnly)).toFixed(2)}x psutil before any parsing, when every process ran.`,
    );
    const verdict = (ok) => (ok ? "met" : "NOT met");
    const mb = (mib) => mib * 1.048576;
    const rssTarget = (r) =>
      `${verdict(mb(r.peak) <= 60)} (peak after start-up ${mb(r.peak).toFixed(1)} MB, at the end ${mb(r.rss).toFixed(1)} MB, start-up peak ${mb(r.startPeak).toFixed(1)} MB)`;
    console.log(
      `\nTargets for the tree sum: CPU <= 0.2x psutil: ${verdict(ratio(ours) <= 0.2)} (${ratio(ours).toFixed(2)}x); RSS <= 60 MB as the image runs it (${IMAGE_NODE_OPTIONS}): ${rssTarget(image)}; with plain node: ${rssTarget(ours)}.\n`,
    );
  } finally {
    process.kill(-tree.pid, "SIGKILL");
  }
}

try {
  for (const kind of kinds) await benchTree(kind);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
