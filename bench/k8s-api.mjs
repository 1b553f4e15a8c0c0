#!/usr/bin/env node
// pm-collector-k8s-api on a large cluster: 50,000 pods in 500 namespaces in the test API server, 200
// pod updates per second. Beside it, in the same run and against the same server, a plain loop that
// lists every pod every interval and sums them per namespace and phase (Telegraf kube_inventory's
// way). And the floor of any Node.js watcher: a bare client that watches pods and only finds the
// event boundaries (no JSON.parse, nothing kept). Reports each one's CPU per update and per second,
// peak and final RSS, and round time; and, in this process, the bytes of the record the collector
// holds per pod. Measured after a warm-up (one interval by default) past the collector's first full
// round, so the one-off collection of the first list's garbage is not counted as steady state.
//
//   node bench/k8s-api.mjs [--seconds=30] [--warmup=10] [--pods=50000] [--namespaces=500] [--rate=200] [--interval=10s]
//
// Needs everything built (npm run build). The collector runs as the image runs it (bundled bin,
// NODE_OPTIONS "--max-semi-space-size=1 --v8-pool-size=1").
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith("--"))
    .map((a) => {
      const [key, value = "true"] = a.slice(2).split("=");
      return [key, value];
    }),
);

if (args["relist-loop"] === "true") await relistLoop();
else if (args["watch-floor"] === "true") await watchFloor();
else await main();

async function main() {
  const { podObject, namespaceObject, startKubeApi } = await import("@platform-metrics/testing");
  const { podRecord } = await import("@platform-metrics/collector-k8s-api");
  const seconds = Number(args.seconds ?? 30);
  const podCount = Number(args.pods ?? 50_000);
  const namespaceCount = Number(args.namespaces ?? 500);
  const rate = Number(args.rate ?? 200);
  const interval = args.interval ?? "10s";
  const warmupSeconds = Number(
    args.warmup ?? Number.parseFloat(interval) * (interval.endsWith("ms") ? 0.001 : 1),
  );
  const BIN = fileURLToPath(new URL("../collectors/k8s-api/dist/bin.js", import.meta.url));
  const home = mkdtempSync(join(tmpdir(), "pm-k8s-bench-"));

  // Bytes per pod held: the records the collector keeps, built from fresh JSON as a list gives them.
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc");
  const samplePods = Math.min(podCount, 20_000);
  const raws = Array.from({ length: samplePods }, (_, i) =>
    JSON.stringify(podObject(`ns-${i % namespaceCount}`, `pod-${i}`, { restarts: i % 3 })),
  );
  const held = new Map();
  for (let i = 0; i < samplePods; i++)
    held.set(`ns-${i % namespaceCount}/pod-${i}`, podRecord(JSON.parse(raws[i])));
  const heapNow = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const withRecords = heapNow();
  held.clear();
  const bytesPerPod = (withRecords - heapNow()) / samplePods;
  raws.length = 0;

  const api = await startKubeApi({ bookmarkIntervalMs: 60_000, historyLimit: 100_000 });
  for (let n = 0; n < namespaceCount; n++) api.create("namespaces", namespaceObject(`ns-${n}`));
  for (let i = 0; i < podCount; i++) {
    api.create(
      "pods",
      podObject(`ns-${i % namespaceCount}`, `pod-${i}`, { restarts: i % 3, node: `node-${i % 100}` }),
    );
  }
  const kubeconfig = api.writeKubeconfig();
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    KUBECONFIG: kubeconfig,
    PM_HTTP_PORT: "0",
    PM_INTERVAL: interval,
  };

  const collector = track(
    // PM_BENCH_NODE_ARGS: extra node flags for the collector, e.g. --cpu-prof --cpu-prof-dir=/tmp/prof
    spawn(process.execPath, [...(process.env.PM_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean), BIN], {
      env: {
        ...env,
        PM_SINK: "stdout",
        PM_JITTER: "0s",
        NODE_OPTIONS: "--max-semi-space-size=1 --v8-pool-size=1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  const loop = track(
    spawn(process.execPath, [fileURLToPath(import.meta.url), "--relist-loop", `--interval=${interval}`], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  const floor = track(
    spawn(process.execPath, [fileURLToPath(import.meta.url), "--watch-floor"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  try {
    const synced = new RegExp(
      `^pm_k8s_informer,org=platform,resource=pods,source=k8s-api objects=${podCount}i`,
      "m",
    );
    console.error(`${podCount} pods stored; waiting for the first rounds`);
    await waitFor(() => synced.test(collector.out), "the collector's first round with every pod", collector);
    await waitFor(() => /^round /m.test(loop.out), "the relist loop's first round", loop);
    await waitFor(() => /^watching/m.test(floor.out), "the bare watcher's watch", floor);
    console.error(`warming up for ${warmupSeconds} s`);
    await sleep(warmupSeconds * 1000);

    const start = {
      collector: cpuSplit(collector.pid),
      loop: cpuSplit(loop.pid),
      floor: cpuSplit(floor.pid),
      at: performance.now(),
    };
    const marks = { collector: collector.out.length, loop: loop.out.length };
    let updates = 0;
    while (performance.now() - start.at < seconds * 1000) {
      const due = Math.floor(((performance.now() - start.at) / 1000) * rate);
      for (; updates < due; updates++) {
        const i = (updates * 7919) % podCount; // spread over namespaces
        api.patch("pods", `ns-${i % namespaceCount}`, `pod-${i}`, (pod) => {
          const container = pod.status.containerStatuses[0];
          container.restartCount++;
          container.ready = !container.ready;
        });
      }
      await sleep(5);
    }
    const elapsed = (performance.now() - start.at) / 1000;
    const rows = [];
    for (const [name, child, baseline] of [
      ["pm-collector-k8s-api (watch)", collector, start.collector],
      ["list-every-interval loop", loop, start.loop],
      ["floor: bare watch reader, no parse", floor, start.floor],
    ]) {
      const now = cpuSplit(child.pid);
      const user = now.user - baseline.user;
      const system = now.system - baseline.system;
      const cpu = user + system;
      const mark = child === collector ? marks.collector : marks.loop;
      rows.push({
        name,
        cpu,
        user,
        system,
        perUpdateUs: (cpu / updates) * 1e6,
        cpuPerSecondMs: (cpu / elapsed) * 1000,
        ...memory(child.pid),
        rounds: roundTimes(child === collector, child.out.slice(mark)),
      });
    }
    console.log(
      `${podCount} pods in ${namespaceCount} namespaces, ${updates} pod updates in ${elapsed.toFixed(1)} s (${(updates / elapsed).toFixed(0)}/s), interval ${interval}, node ${process.version}\n`,
    );
    console.log(
      "| process | CPU s (user + system) | CPU per update | CPU ms per s | peak RSS (VmHWM) | RSS at end | round time |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    for (const row of rows) {
      const rounds =
        row.rounds.length > 0
          ? `${Math.min(...row.rounds).toFixed(0)}-${Math.max(...row.rounds).toFixed(0)} ms (${row.rounds.length})`
          : "-";
      console.log(
        `| ${row.name} | ${row.cpu.toFixed(2)} (${row.user.toFixed(2)} + ${row.system.toFixed(2)}) | ${row.perUpdateUs.toFixed(0)} µs | ${row.cpuPerSecondMs.toFixed(0)} | ${row.peakMiB.toFixed(1)} MiB | ${row.rssMiB.toFixed(1)} MiB | ${rounds} |`,
      );
    }
    console.log(
      `\nCPU ratio over the same ${elapsed.toFixed(0)} s (loop / collector): ${(rows[1].cpu / rows[0].cpu).toFixed(1)}x`,
    );
    // The loop's rounds take as long as the server needs to page out every pod; where that is
    // longer than the interval it lists less often than it should. Per interval, as configured:
    const loopCpu = [...loop.out.matchAll(/^round [\d.]+ ms cpu ([\d.]+) ms/gm)].map((m) => Number(m[1]));
    const perList = loopCpu.reduce((a, b) => a + b, 0) / loopCpu.length;
    const collectorPerInterval =
      rows[0].cpuPerSecondMs * (Number.parseFloat(interval) * (interval.endsWith("ms") ? 0.001 : 1));
    console.log(
      `CPU per ${interval} interval: collector ${collectorPerInterval.toFixed(0)} ms (watch + one round), loop ${perList.toFixed(0)} ms per full list (mean of ${loopCpu.length}, its own measure): ${(perList / collectorPerInterval).toFixed(1)}x`,
    );
    console.log(
      `record held per pod: ${bytesPerPod.toFixed(0)} bytes of heap (${samplePods} pod records and their keys, measured in this process)`,
    );
  } finally {
    collector.kill("SIGTERM");
    loop.kill("SIGTERM");
    floor.kill("SIGTERM");
    await api.close();
    rmSync(home, { recursive: true, force: true });
  }
}

function track(child) {
  child.out = "";
  child.err = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => {
    child.out += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk) => {
    child.err += chunk;
  });
  return child;
}

async function waitFor(check, what, child) {
  const deadline = Date.now() + 300_000;
  while (!check()) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no ${what}; stderr: ${child.err.slice(-2000)}`);
    }
    await sleep(100);
  }
}

/** utime and stime of a process, in seconds: user space (JavaScript, JSON, TLS) and the kernel (sockets). */
function cpuSplit(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)[1]);
  return { peakMiB: kib("VmHWM") / 1024, rssMiB: kib("VmRSS") / 1024 };
}

/** Round durations in ms: the collector's pm_collector points, the loop's own lines. */
function roundTimes(isCollector, out) {
  const pattern = isCollector
    ? /^pm_collector,.* .*round_duration_seconds=([\d.e-]+)/gm
    : /^round ([\d.]+) ms/gm;
  return [...out.matchAll(pattern)].map((m) => Number(m[1]) * (isCollector ? 1000 : 1));
}

/** Connection details of the test API server, from the kubeconfig the collectors are given. */
function kubeServer() {
  const config = JSON.parse(readFileSync(process.env.KUBECONFIG, "utf8"));
  return {
    server: config.clusters[0].cluster.server,
    ca: Buffer.from(config.clusters[0].cluster["certificate-authority-data"], "base64"),
    token: config.users[0].user.token,
  };
}

/**
 * The floor of watching in Node.js: the pod watch read as the collector reads it ('data' events, event
 * boundaries found in the Buffers) but with no JSON.parse and nothing kept. What it costs per update,
 * any watcher written in Node.js costs at least.
 */
async function watchFloor() {
  const { server, ca, token } = kubeServer();
  const agent = new Agent({ ca, keepAlive: true });
  const headers = { authorization: `Bearer ${token}` };
  const rv = await new Promise((resolve, reject) => {
    request(`${server}/api/v1/pods?limit=1`, { agent, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve(JSON.parse(text).metadata.resourceVersion));
    })
      .on("error", reject)
      .end();
  });
  let events = 0;
  const path = `/api/v1/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=3600&resourceVersion=${rv}`;
  request(`${server}${path}`, { agent, headers }, (res) => {
    process.stdout.write("watching\n");
    res.on("data", (chunk) => {
      for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10, end + 1)) events++;
    });
  })
    .on("error", (error) => {
      console.error(error);
      process.exit(1);
    })
    .end();
  process.on("SIGTERM", () => {
    process.stdout.write(`${events} events\n`);
    process.exit(0);
  });
}

/** The baseline: every interval, list every pod (paged, as kubectl does) and sum per namespace and phase. */
async function relistLoop() {
  const { server, ca, token } = kubeServer();
  // Connections kept open, as the collector's: the loop pays for lists, not for handshakes.
  const agent = new Agent({ ca, keepAlive: true });
  const intervalMs = Number.parseFloat(args.interval) * (args.interval.endsWith("ms") ? 1 : 1000);
  const get = (path) =>
    new Promise((resolve, reject) => {
      request(`${server}${path}`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => resolve(JSON.parse(text)));
      })
        .on("error", reject)
        .end();
    });
  for (;;) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const sums = new Map();
    let token;
    do {
      const page = await get(`/api/v1/pods?limit=500${token ? `&continue=${token}` : ""}`);
      for (const pod of page.items) {
        const key = `${pod.metadata.namespace}/${pod.status.phase}`;
        const sum = sums.get(key) ?? { count: 0, ready: 0, restarts: 0 };
        sum.count++;
        if (pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True")) sum.ready++;
        for (const c of pod.status.containerStatuses ?? []) sum.restarts += c.restartCount;
        sums.set(key, sum);
      }
      token = page.metadata.continue;
    } while (token);
    const took = performance.now() - started;
    const used = process.cpuUsage(cpu);
    process.stdout.write(
      `round ${took.toFixed(1)} ms cpu ${((used.user + used.system) / 1000).toFixed(1)} ms, ${sums.size} sums\n`,
    );
    await sleep(Math.max(0, intervalMs - took));
  }
}
