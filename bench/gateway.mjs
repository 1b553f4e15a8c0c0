// Latency and throughput of a small POST /api/v1/query through pm-gateway, beside the same InfluxQL
// sent straight to influxd's /query in the same run (autocannon, same connections and duration).
//
//   npm run build && node bench/gateway.mjs [--duration=10] [--connections=1,4,10,32] [--rounds=2]
//                                           [--targets=direct,floor,gateway] [--cpu-prof=<dir>]
//
// The gateway runs as its own process (dist/bin.js, JSON request log on, to /dev/null), against one
// real influxd started by @platform-metrics/testing. Rate and concurrency limits are raised so they
// do not shape the load. Rounds alternate between the targets so drift on a shared machine hits all.
// Latencies are taken from every response (autocannon's histogram keeps whole milliseconds only).
//
// "floor" is a reference, not a result: the cheapest proxy Node can be, a bare node:http server that
// reads the same POST and forwards the fixed InfluxQL over the gateway's own transport
// (fetchText of @platform-metrics/sdk/influx) to the same influxd, answering influxd's bytes unchanged: no auth, no
// validation, no log. It shows what one extra HTTP hop costs on this machine, which no gateway can
// go below.
//
// The CPU each process used during a round (influxd, the proxy under test, this script, which is the
// load generator, and everything else on the machine) is printed too: on 2 shared cores it shows who
// the time went to. --cpu-prof writes a V8 CPU profile of the gateway into <dir> when it exits.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildQuery, createToken, querySchema } from "@platform-metrics/gateway";
import { freePort, startInflux } from "@platform-metrics/testing";
import autocannon from "autocannon";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "1,4,10,32" },
    rounds: { type: "string", default: "2" },
    targets: { type: "string", default: "direct,floor,gateway" },
    "cpu-prof": { type: "string" },
  },
});
const duration = Number(args.duration);
const connectionCounts = args.connections.split(",").map(Number);
const rounds = Number(args.rounds);
const names = args.targets.split(",");
const LABELS = {
  direct: "influxd /query (direct)",
  floor: "bare pass-through proxy (floor)",
  gateway: "gateway POST /api/v1/query",
};
for (const name of names) if (!LABELS[name]) throw new Error(`--targets: unknown target ${name}`);
const DB = "bench";
const CPU_KEYS = ["influxd", "proxy", "loadgen", "other", "idle"];

// The floor proxy, run as `node --input-type=module -e` from the repository root.
const FLOOR_PROXY = `
import { createServer } from "node:http";
import { Pool } from "undici";
import { fetchText } from "@platform-metrics/sdk/influx";
const [port, origin, path] = process.argv.slice(1);
const pool = new Pool(origin, { connections: 64, keepAliveTimeout: 30000 });
createServer((request, response) => {
  request.on("data", () => {});
  request.on("end", async () => {
    const { statusCode, text } = await fetchText(pool, { method: "GET", path, headers: { accept: "application/json" } });
    response.writeHead(statusCode, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    response.end(text);
  });
}).listen(Number(port), "127.0.0.1");
`;
const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** CPU seconds a process has used so far (user + system), from /proc. */
function processCpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8")
    .replace(/^.*\) /s, "")
    .split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
/** CPU seconds the whole machine has been busy (all cores, everything but idle and iowait). */
function machineBusySeconds() {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
  const busy = ticks.reduce((sum, t) => sum + t, 0) - ticks[3] - ticks[4];
  return busy / TICKS_PER_SECOND;
}

const influx = await startInflux();
const dir = mkdtempSync(join(tmpdir(), "pm-bench-gateway-"));
let gateway;
let floor;
try {
  // 2 hosts x 1 point a minute for 2 hours, org acme, plus another org's points in the same measurement.
  await influx.createDatabase(DB);
  const lines = [];
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  for (let i = 0; i < 120; i++) {
    const ns = BigInt(minute - i * 60_000) * 1_000_000n;
    for (const [org, host] of [
      ["acme", "a-1"],
      ["acme", "a-2"],
      ["globex", "g-1"],
    ]) {
      lines.push(`cpu,org=${org},host=${host} usage=${(i * 7) % 100}.5,idle=${100 - (i % 100)} ${ns}`);
    }
  }
  await influx.write(DB, lines);

  const { token, entry } = createToken({ id: "bench", orgs: ["acme"] });
  const tokensFile = join(dir, "tokens.yaml");
  writeFileSync(tokensFile, `tokens:\n  - ${JSON.stringify(entry)}\n`);
  const port = await freePort();
  const nodeArgs = args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`] : [];
  gateway = spawn(process.execPath, [...nodeArgs, "gateway/dist/bin.js"], {
    env: {
      ...process.env,
      PM_INFLUX_URLS: `a=${influx.url}`,
      PM_INFLUX_DB: DB,
      PM_GATEWAY_TOKENS_FILE: tokensFile,
      PM_HTTP_PORT: String(port),
      PM_HTTP_HOST: "127.0.0.1",
      PM_GATEWAY_RATE_LIMIT: "1000000000",
      PM_GATEWAY_MAX_CONCURRENT: "10000",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if ((await fetch(`${base}/readyz`).catch(() => undefined))?.ok) break;
    if (i > 200) throw new Error("the gateway did not become ready");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  // The small query: mean usage of acme's cpu in 5-minute buckets over the last hour (13 buckets).
  const body = {
    measurement: "cpu",
    fields: ["usage"],
    aggregate: "mean",
    every: "5m",
    range: { from: "-1h" },
  };
  const limits = { maxRangeNs: 744n * 3_600_000_000_000n, maxPoints: 10_000 };
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  // The same statement the gateway builds; relative times so the window moves as the gateway's does.
  const influxql = buildQuery(querySchema.parse(body), "acme", limits, nowNs)
    .influxql.replace(/time >= \d+/, "time >= now() - 1h")
    .replace(/time <= \d+/, "time <= now()");

  const check = await fetch(`${base}/api/v1/query`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const checked = await check.json();
  if (check.status !== 200 || checked.series[0].values.length < 12) {
    throw new Error(`gateway answered ${check.status}: ${JSON.stringify(checked).slice(0, 300)}`);
  }

  const directPath = `/query?${new URLSearchParams({ db: DB, q: influxql })}`;
  const floorPort = await freePort();
  floor = spawn(
    process.execPath,
    ["--input-type=module", "-e", FLOOR_PROXY, String(floorPort), influx.url, directPath],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const floorBase = `http://127.0.0.1:${floorPort}`;
  for (let i = 0; ; i++) {
    const answer = await fetch(floorBase, { method: "POST", body: "{}" }).catch(() => undefined);
    if (answer?.ok) break;
    if (i > 200) throw new Error("the floor proxy did not start");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const post = { method: "POST", body: JSON.stringify(body) };
  const targets = {
    direct: { url: `${influx.url}${directPath}`, method: "GET", pid: () => influx.pid },
    floor: { url: floorBase, ...post, headers: { "content-type": "application/json" }, pid: () => floor.pid },
    gateway: {
      url: `${base}/api/v1/query`,
      ...post,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      pid: () => gateway.pid,
    },
  };
  const cpuNow = (name) => ({
    wall: performance.now() / 1000,
    influxd: processCpuSeconds(influx.pid),
    // Direct has no proxy: influxd itself is counted once, under influxd.
    proxy: name === "direct" ? 0 : processCpuSeconds(targets[name].pid()),
    loadgen: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    machine: machineBusySeconds(),
  });
  const load = (name, seconds, connections) =>
    new Promise((resolve, reject) => {
      const latencies = [];
      const before = cpuNow(name);
      const { pid: _pid, ...target } = targets[name];
      const instance = autocannon({ ...target, connections, duration: seconds }, (error, result) => {
        if (error) return reject(error);
        const after = cpuNow(name);
        const wall = after.wall - before.wall;
        // Percent of one core; the machine has cpus().length of them.
        const share = (key) => (100 * (after[key] - before[key])) / wall;
        const cpu = { influxd: share("influxd"), proxy: share("proxy"), loadgen: share("loadgen") };
        cpu.other = Math.max(0, share("machine") - cpu.influxd - cpu.proxy - cpu.loadgen);
        cpu.idle = Math.max(0, 100 * cpus().length - share("machine"));
        resolve({ ...result, latencies, cpu });
      });
      instance.on("response", (_client, statusCode, _bytes, responseTime) => {
        if (statusCode === 200) latencies.push(responseTime);
      });
    });
  const percentile = (sorted, p) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ms = (x) => x.toFixed(2);

  for (const name of names) await load(name, 2, 10);
  console.log(`InfluxQL: \`${influxql}\`\n`);
  console.log(`${rounds} rounds of ${duration} s per target and connection count; median of the rounds\n`);
  console.log("| connections | target | p50 ms | p99 ms | requests/s | requests |");
  console.log("| ---: | --- | ---: | ---: | ---: | ---: |");
  const verdicts = [];
  const cpuRows = [];
  const perRound = [];
  for (const connections of connectionCounts) {
    const results = Object.fromEntries(names.map((name) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const name of names) {
        const result = await load(name, duration, connections);
        if (result.non2xx > 0 || result.errors > 0) {
          throw new Error(`${name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
        }
        const sorted = result.latencies.sort((a, b) => a - b);
        results[name].push({
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          rps: result.requests.average,
          total: result.requests.total,
          cpu: result.cpu,
        });
      }
    }
    const summary = Object.fromEntries(
      names.map((name) => [
        name,
        {
          p50: median(results[name].map((r) => r.p50)),
          p99: median(results[name].map((r) => r.p99)),
          rps: median(results[name].map((r) => r.rps)),
          total: results[name].reduce((sum, r) => sum + r.total, 0),
          cpu: Object.fromEntries(CPU_KEYS.map((key) => [key, median(results[name].map((r) => r.cpu[key]))])),
        },
      ]),
    );
    for (const name of names) {
      const one = summary[name];
      console.log(
        `| ${connections} | ${LABELS[name]} | ${ms(one.p50)} | ${ms(one.p99)} | ${Math.round(one.rps)} | ${one.total} |`,
      );
      cpuRows.push(
        `| ${connections} | ${LABELS[name]} | ${CPU_KEYS.map((key) => Math.round(one.cpu[key])).join(" | ")} | ${
          name === "direct" ? "" : Math.round((10_000 * one.cpu.proxy) / one.rps)
        } |`,
      );
      perRound.push(
        `${connections} connection(s), ${name}: ${results[name].map((r) => `p50 ${ms(r.p50)} / p99 ${ms(r.p99)} / ${Math.round(r.rps)} rps`).join("; ")}`,
      );
    }
    const direct = summary.direct;
    for (const name of names.filter((one) => one !== "direct")) {
      const one = summary[name];
      const ratios = direct
        ? `p50 ${(one.p50 / direct.p50).toFixed(2)}x direct${name === "gateway" ? " (target <= 1.2x)" : ""}, ` +
          `p99 ${(one.p99 / direct.p99).toFixed(2)}x, `
        : "";
      verdicts.push(
        `${connections} connection(s), ${name}: ${ratios}${Math.round(one.rps)} requests/s` +
          `${name === "gateway" ? " (target >= 2000)" : ""}${direct ? `, direct ${Math.round(direct.rps)} requests/s` : ""}`,
      );
    }
  }
  console.log(
    `\nCPU during the rounds, percent of one core (${cpus().length} cores = ${100 * cpus().length}%), median of the rounds; ` +
      "proxy is the floor proxy or the gateway, whichever is measured\n",
  );
  console.log(`| connections | target | ${CPU_KEYS.join(" | ")} | proxy CPU µs/request |`);
  console.log(`| ---: | --- | ${CPU_KEYS.map(() => "---:").join(" | ")} | ---: |`);
  console.log(cpuRows.join("\n"));
  console.log(`\n${verdicts.join("\n")}\n\nper round:\n${perRound.join("\n")}`);
} finally {
  floor?.kill("SIGTERM");
  // Waited for, so that a --cpu-prof profile is complete before the script ends.
  if (gateway && gateway.exitCode === null) {
    const exited = new Promise((resolve) => gateway.once("exit", resolve));
    gateway.kill("SIGTERM");
    await exited;
  }
  await influx.close();
  rmSync(dir, { recursive: true, force: true });
}
