// pm-relay as its own process beside a direct writer, in the same run, against two real influxd replicas
// (bench/relay.mjs runs the relay inside the benchmark's process instead).
//
//   npm run build && node bench/relay-process.mjs [--points=1000000] [--lines-per-message=1000] [--rounds=2]
//     [--telegraf-points=200000] [--rate=20000] [--latency-seconds=10] [--strip-org] [--skip-latency]
//
// 1. Drain: 1,000,000 points are queued in the METRICS stream (messages of 1,000 lines, as collectors
//    publish them), then pm-relay (relay/dist/bin.js, its own process, default settings) is started and
//    timed until both replicas' consumers have acked everything: startup, stream checks and bootstrap
//    are inside the time. Beside it, a direct writer builds the same points (encodePoint) and writes
//    them to both replicas itself: 5,000-line batches, two requests in flight per replica. Each phase
//    gets a fresh pair of influxd (no compaction left over from the other phase), and the order of the
//    phases alternates between rounds so drift on the shared machine hits both.
// 2. The same drain with one-line messages (Telegraf's outputs.nats default, no Nats-Msg-Id).
// 3. Latency: a steady 20,000 points/s published in 200-line messages every 10 ms, each with a marker
//    line carrying its sequence number; a poller asks both replicas for the newest marker back to back,
//    and a message counts as visible when both show it (the poll time is included, so this is an upper
//    bound). Baseline: the same messages written straight to both replicas, timed to both 204s.
import { spawn } from "node:child_process";
import { appendFileSync, openSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { METRICS_STREAM, METRICS_SUBJECTS, metricsSubject } from "@platform-metrics/sdk/contracts";
import { encodePoint } from "@platform-metrics/sdk/line-protocol";
import { startInflux, startNats } from "@platform-metrics/testing";
import { Pool } from "undici";

const { values: args } = parseArgs({
  options: {
    points: { type: "string", default: "1000000" },
    "lines-per-message": { type: "string", default: "1000" },
    rounds: { type: "string", default: "2" },
    "telegraf-points": { type: "string", default: "200000" },
    rate: { type: "string", default: "20000" },
    "latency-seconds": { type: "string", default: "10" },
    // node flags for the relay process, e.g. --relay-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"
    "relay-node-args": { type: "string", default: "" },
    "skip-latency": { type: "boolean", default: false },
    // extra settings for every relay process, e.g. --relay-env=PM_PREFETCH_MESSAGES=64,PM_BATCH_MAX_LINES=10000
    "relay-env": { type: "string", default: "" },
    // queue the lines without their org tag (as Telegraf sends them), so the relay must rewrite every
    // line; by default they carry it, as the SDK's collectors write them
    "strip-org": { type: "boolean", default: false },
    // append each relay process's log (stdout) to this file, e.g. with --relay-env=PM_LOG_LEVEL=debug
    "relay-log": { type: "string", default: "" },
  },
});
const POINTS = Number(args.points);
const LINES_PER_MESSAGE = Number(args["lines-per-message"]);
const ROUNDS = Number(args.rounds);
const TELEGRAF_POINTS = Number(args["telegraf-points"]);
const RATE = Number(args.rate);
const LATENCY_SECONDS = Number(args["latency-seconds"]);
const DB = "platform_metrics";
const BATCH = 5000;
const IN_FLIGHT = 2;
const ORGS = ["acme", "globex", "initech", "umbrella"];
const SOURCES = ["k8s-api", "perf", "catalog"];
// Recent, so the points fall inside the relay's 72 h default retention policy.
const BASE_NS = BigInt(Date.now() - 3_600_000) * 1_000_000n;

/**
 * Point i: 100 hosts x 8 cpus, 3 floats and an integer, unique timestamps. Its org and source are
 * those of the message it is published in (collectors publish one org and source per message), so the
 * relay writes exactly the points the direct writer writes.
 */
function point(i, perMessage) {
  const message = Math.floor(i / perMessage);
  const org = ORGS[message % ORGS.length];
  const source = SOURCES[Math.floor(message / ORGS.length) % SOURCES.length];
  return {
    subject: metricsSubject(org, source),
    point: {
      measurement: "bench_cpu",
      tags: { org, source, host: `host-${i % 100}`, cpu: `cpu${i % 8}` },
      fields: {
        usage_user: { type: "float", value: (i % 1000) / 10 },
        usage_system: { type: "float", value: (i % 300) / 7 },
        usage_idle: { type: "float", value: 100 - (i % 1000) / 10 },
        context_switches: { type: "integer", value: BigInt(i) },
      },
      timestamp: BASE_NS + BigInt(i) * 1000n,
    },
  };
}

/** CPU seconds (user + system) a process has used so far; 0 when unknown. */
function cpuOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
/** Whole-machine CPU seconds so far, busy and idle (/proc/stat): shows other jobs' share of a phase. */
function machineCpu() {
  const t = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  return {
    busy: (t[0] + t[1] + t[2] + t[5] + t[6] + t[7]) / 100,
    idle: (t[3] + t[4]) / 100,
    iowait: t[4] / 100,
  };
}
const machineSince = (start) => {
  const now = machineCpu();
  return { busy: now.busy - start.busy, idle: now.idle - start.idle, iowait: now.iowait - start.iowait };
};
const influxCpu = (replicas) => replicas.reduce((sum, r) => sum + cpuOf(r.pid), 0);

async function writeBody(pool, body) {
  const response = await pool.request({
    method: "POST",
    path: `/write?db=${DB}&precision=ns`,
    headers: { "content-type": "text/plain; charset=utf-8" },
    body,
  });
  const text = await response.body.text();
  if (response.statusCode !== 204) throw new Error(`direct write: HTTP ${response.statusCode}: ${text}`);
}

async function startReplicas() {
  const [a, b] = await Promise.all([startInflux(), startInflux()]);
  await Promise.all([a.createDatabase(DB), b.createDatabase(DB)]);
  return [a, b];
}

async function count(influx, measurement = "bench_cpu") {
  return influx.countPoints(DB, measurement, { field: "usage_user" });
}

async function closeAll(...servers) {
  await Promise.all(servers.map((s) => s?.close().catch(() => {})));
}

/** Builds every point once and writes each 5,000-point batch to both replicas, two requests in flight each. */
async function directDrain() {
  const replicas = await startReplicas();
  const pools = replicas.map((r) => new Pool(r.url, { connections: IN_FLIGHT, pipelining: 1 }));
  try {
    const batches = Math.ceil(POINTS / BATCH);
    const built = new Map();
    const cpu = process.cpuUsage();
    const influxStart = influxCpu(replicas);
    const machineStart = machineCpu();
    const started = performance.now();
    // A batch is encoded by whichever replica's writer reaches it first and dropped once both sent it.
    const body = (k) => {
      let entry = built.get(k);
      if (!entry) {
        const lines = [];
        for (let i = k * BATCH; i < Math.min(POINTS, (k + 1) * BATCH); i++)
          lines.push(encodePoint(point(i, LINES_PER_MESSAGE).point));
        entry = { text: lines.join("\n"), uses: 0 };
        built.set(k, entry);
      }
      if (++entry.uses === pools.length) built.delete(k);
      return entry.text;
    };
    await Promise.all(
      pools.map(async (pool) => {
        let next = 0;
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            while (next < batches) await writeBody(pool, body(next++));
          }),
        );
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const machine = machineSince(machineStart);
    const used = process.cpuUsage(cpu);
    const influxSeconds = influxCpu(replicas) - influxStart;
    const counts = await Promise.all(replicas.map((r) => count(r)));
    return {
      seconds,
      cpuSeconds: (used.user + used.system) / 1e6,
      influxSeconds,
      natsSeconds: 0,
      counts,
      machine,
    };
  } finally {
    await Promise.all(pools.map((p) => p.close()));
    await closeAll(...replicas);
  }
}

async function ensureStream(jsm) {
  await jsm.streams.add({
    name: METRICS_STREAM,
    subjects: [METRICS_SUBJECTS],
    storage: "file",
    max_age: 72 * 3600 * 1e9,
    max_bytes: -1,
    duplicate_window: 120 * 1e9,
  });
}

/** Publishes `total` points as messages of `perMessage` lines (ids only on batched messages, like the SDK). */
async function queue(js, total, perMessage) {
  const window = [];
  for (let start = 0; start < total; start += perMessage) {
    const lines = [];
    for (let i = start; i < Math.min(total, start + perMessage); i++) {
      const { point: p } = point(i, perMessage);
      if (args["strip-org"]) delete p.tags.org;
      lines.push(encodePoint(p));
    }
    const { subject } = point(start, perMessage);
    window.push(js.publish(subject, lines.join("\n"), perMessage > 1 ? { msgID: `bench-${start}` } : {}));
    if (window.length >= 256) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
}

/** With --relay-log, the bench's own marks go beside the relay's lines, so a stall can be placed. */
function logMark(msg, pid) {
  if (args["relay-log"])
    appendFileSync(args["relay-log"], `${JSON.stringify({ level: 30, time: Date.now(), pid, msg })}\n`);
}

function startRelayProcess(natsUrl, replicas, extraEnv = {}) {
  const child = spawn(
    process.execPath,
    [...args["relay-node-args"].split(" ").filter(Boolean), "relay/dist/bin.js"],
    {
      env: {
        PATH: process.env.PATH,
        PM_NATS_URL: natsUrl,
        PM_INFLUX_URLS: replicas.map((r, i) => `${"ab"[i]}=${r.url}`).join(","),
        PM_INFLUX_DB: DB,
        PM_HTTP_PORT: "0",
        PM_LOG_LEVEL: "warn",
        ...Object.fromEntries(
          args["relay-env"]
            .split(",")
            .filter(Boolean)
            .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
        ),
        ...extraEnv,
      },
      stdio: ["ignore", args["relay-log"] ? openSync(args["relay-log"], "a") : "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    stderr: () => stderr,
    cpuSeconds() {
      // utime + stime in clock ticks (100 per second on Linux).
      const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async stop() {
      child.kill("SIGTERM");
      const result = await Promise.race([exited, sleep(30_000, "timeout")]);
      if (result === "timeout") {
        child.kill("SIGKILL");
        throw new Error("pm-relay did not stop within 30 s of SIGTERM");
      }
      if (result.code !== 0)
        throw new Error(`pm-relay exited with ${JSON.stringify(result)}: ${stderr.slice(-2000)}`);
    },
  };
}

async function drained(jsm, total) {
  for (const name of ["relay-a", "relay-b"]) {
    const info = await jsm.consumers.info(METRICS_STREAM, name).catch(() => undefined);
    if (!info || info.num_pending > 0 || info.num_ack_pending > 0 || info.delivered.stream_seq < total)
      return false;
  }
  return true;
}

/** Queues `total` points, then times pm-relay from its start until both consumers acked everything. */
async function relayDrain(total, perMessage) {
  const [nats, ...replicas] = await Promise.all([startNats(), ...(await startReplicas())]);
  const nc = await connect({ servers: nats.url });
  let relay;
  try {
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm);
    await queue(jetstream(nc), total, perMessage);
    const { state } = await jsm.streams.info(METRICS_STREAM);
    const influxStart = influxCpu(replicas);
    const natsStart = cpuOf(nats.pid);
    const machineStart = machineCpu();
    const started = performance.now();
    relay = startRelayProcess(nats.url, replicas);
    logMark("relay spawned", relay.child.pid);
    const deadline = Date.now() + 600_000;
    while (!(await drained(jsm, state.last_seq))) {
      if (Date.now() > deadline) throw new Error("pm-relay did not drain the stream within 10 minutes");
      const exited = await Promise.race([relay.exited, sleep(50)]);
      if (exited)
        throw new Error(`pm-relay exited early ${JSON.stringify(exited)}: ${relay.stderr().slice(-2000)}`);
    }
    const seconds = (performance.now() - started) / 1000;
    const machine = machineSince(machineStart);
    logMark("drained", relay.child.pid);
    const cpuSeconds = relay.cpuSeconds();
    const influxSeconds = influxCpu(replicas) - influxStart;
    const natsSeconds = cpuOf(nats.pid) - natsStart;
    await relay.stop();
    relay = undefined;
    const counts = await Promise.all(replicas.map((r) => count(r)));
    return { seconds, cpuSeconds, influxSeconds, natsSeconds, counts, machine };
  } finally {
    if (relay) relay.child.kill("SIGKILL");
    await nc.close();
    await closeAll(nats, ...replicas);
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Messages of the steady load: 199 points + 1 marker with the message's sequence number. */
function latencyMessage(seq, nowNs) {
  const perMessage = Math.round(RATE / 100);
  const lines = [];
  for (let i = 0; i < perMessage - 1; i++) {
    lines.push(
      `bench_lat,org=acme,host=host-${i % 100},cpu=cpu${i % 8} v=${i}i,usage=${(i % 97) / 3} ${nowNs + BigInt(i)}`,
    );
  }
  lines.push(`bench_lat_marker,org=acme seq=${seq}i ${nowNs}`);
  return lines.join("\n");
}

/**
 * Publishes (or writes) one message every 10 ms for `seconds`, and reports for each message the time
 * until both replicas show it. `send(seq, text)` returns when the sender is done with it.
 */
async function steadyLoad(replicas, send, { pollVisibility }) {
  const publishedAt = new Map();
  const latencies = [];
  const warmupMessages = 100; // the first second is start-up
  const total = LATENCY_SECONDS * 100;
  let stop = false;
  const errors = [];
  const poller = pollVisibility
    ? (async () => {
        const pools = replicas.map((r) => new Pool(r.url, { connections: 1 }));
        let seen = -1;
        const q = `SELECT max("seq") FROM "bench_lat_marker" WHERE time > now() - 1m`;
        const newest = async (pool) => {
          const response = await pool.request({
            method: "GET",
            path: `/query?db=${DB}&q=${encodeURIComponent(q)}`,
          });
          const json = await response.body.json();
          return json.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? -1;
        };
        while (!stop || seen < total - 1) {
          const both = Math.min(...(await Promise.all(pools.map(newest))));
          const now = performance.now();
          for (let k = seen + 1; k <= both; k++) {
            if (k >= warmupMessages) latencies.push(now - publishedAt.get(k));
          }
          seen = Math.max(seen, both);
          if (stop && seen < total - 1 && now - publishedAt.get(total - 1) > 30_000)
            throw new Error(`messages after ${seen} never became visible`);
        }
        await Promise.all(pools.map((p) => p.close()));
      })().catch((error) => errors.push(error))
    : undefined;
  const started = performance.now();
  const sends = [];
  for (let seq = 0; seq < total; seq++) {
    const due = started + seq * 10;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    publishedAt.set(seq, performance.now());
    sends.push(
      send(seq, latencyMessage(seq, nowNs)).then(
        () => {
          if (!pollVisibility && seq >= warmupMessages)
            latencies.push(performance.now() - publishedAt.get(seq));
        },
        (error) => errors.push(error),
      ),
    );
  }
  await Promise.all(sends);
  stop = true;
  await poller;
  if (errors.length > 0) throw errors[0];
  const behind = (performance.now() - started) / 1000 - LATENCY_SECONDS;
  latencies.sort((x, y) => x - y);
  return {
    messages: latencies.length,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.at(-1),
    behind,
  };
}

async function relayLatency(extraEnv) {
  const [nats, ...replicas] = await Promise.all([startNats(), ...(await startReplicas())]);
  const nc = await connect({ servers: nats.url });
  const relay = startRelayProcess(nats.url, replicas, extraEnv);
  try {
    const jsm = await jetstreamManager(nc);
    // Wait for the relay's consumers, so its start-up is not in the figures.
    const deadline = Date.now() + 30_000;
    while (!(await drained(jsm, 0))) {
      if (Date.now() > deadline) throw new Error(`pm-relay did not start: ${relay.stderr().slice(-2000)}`);
      await sleep(100);
    }
    const js = jetstream(nc);
    return await steadyLoad(
      replicas,
      (seq, text) => js.publish(metricsSubject("acme", "bench"), text, { msgID: `lat-${seq}` }),
      {
        pollVisibility: true,
      },
    );
  } finally {
    await relay.stop().catch((error) => console.error(error.message));
    await nc.close();
    await closeAll(nats, ...replicas);
  }
}

async function directLatency() {
  const replicas = await startReplicas();
  const pools = replicas.map((r) => new Pool(r.url, { connections: IN_FLIGHT }));
  try {
    return await steadyLoad(
      replicas,
      (_seq, text) => Promise.all(pools.map((pool) => writeBody(pool, text))),
      {
        pollVisibility: false,
      },
    );
  } finally {
    await Promise.all(pools.map((p) => p.close()));
    await closeAll(...replicas);
  }
}

const fmt = (n, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const check = (counts, total) =>
  counts.every((c) => c === total) ? "" : ` (counts ${counts.join("/")}, expected ${total})`;

console.log(
  `node ${process.version}, ${POINTS.toLocaleString("en-US")} points, ${LINES_PER_MESSAGE} lines per message\n`,
);
const drains = { direct: [], relay: [] };
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? ["direct", "relay"] : ["relay", "direct"];
  for (const kind of order) {
    const result = kind === "direct" ? await directDrain() : await relayDrain(POINTS, LINES_PER_MESSAGE);
    drains[kind].push(result);
    console.error(
      `round ${round + 1} ${kind}: ${result.seconds.toFixed(2)} s, counts ${result.counts.join("/")}, ` +
        `CPU s ${kind}/nats/influxd ${result.cpuSeconds.toFixed(1)}/${result.natsSeconds.toFixed(1)}/` +
        `${result.influxSeconds.toFixed(1)}, machine busy ${result.machine.busy.toFixed(1)} idle ${result.machine.idle.toFixed(1)} (iowait ${result.machine.iowait.toFixed(1)})`,
    );
  }
}

console.log(
  "| drain into 2 replicas | round | seconds | points/s (per replica) | CPU s of the writer/relay | CPU s nats-server | CPU s both influxd | ratio relay/direct |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
const cpus = (r) =>
  `${fmt(r.cpuSeconds, 1)} | ${r.natsSeconds ? fmt(r.natsSeconds, 1) : "–"} | ${fmt(r.influxSeconds, 1)}`;
for (let round = 0; round < ROUNDS; round++) {
  const d = drains.direct[round];
  const r = drains.relay[round];
  console.log(
    `| direct writer (build + write, 5,000-line batches, 2 in flight) | ${round + 1} | ${fmt(d.seconds, 2)} | ${fmt(POINTS / d.seconds)} | ${cpus(d)} | 1.00${check(d.counts, POINTS)} |`,
  );
  console.log(
    `| pm-relay (validate, set org, batch, write, ack) | ${round + 1} | ${fmt(r.seconds, 2)} | ${fmt(POINTS / r.seconds)} | ${cpus(r)} | ${fmt(r.seconds / d.seconds, 2)}${check(r.counts, POINTS)} |`,
  );
}
if (TELEGRAF_POINTS > 0) {
  const t = await relayDrain(TELEGRAF_POINTS, 1);
  console.log(
    `| pm-relay, ${fmt(TELEGRAF_POINTS)} one-line messages (Telegraf default) | 1 | ${fmt(t.seconds, 2)} | ${fmt(TELEGRAF_POINTS / t.seconds)} | ${cpus(t)} | –${check(t.counts, TELEGRAF_POINTS)} |`,
  );
}

if (!args["skip-latency"]) {
  console.log(
    `\n| publish -> visible in both replicas, ${fmt(RATE)} points/s for ${LATENCY_SECONDS} s | messages | p50 ms | p90 ms | p99 ms | max ms |`,
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
}
const rows = [
  ["direct write of each message to both replicas (to both 204s)", () => directLatency()],
  [
    "pm-relay, default settings (group commit: 20,000 lines or 200 ms while a write is in flight)",
    () => relayLatency({}),
  ],
  ["pm-relay, PM_BATCH_MAX_DELAY=50ms", () => relayLatency({ PM_BATCH_MAX_DELAY: "50ms" })],
];
for (const [label, run] of args["skip-latency"] ? [] : rows) {
  const l = await run();
  console.log(
    `| ${label} | ${l.messages} | ${fmt(l.p50, 1)} | ${fmt(l.p90, 1)} | ${fmt(l.p99, 1)} | ${fmt(l.max, 1)} |`,
  );
}
process.exit(0);
