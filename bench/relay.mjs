#!/usr/bin/env node
// Relay benchmarks, each beside a baseline in the same run (after `npm run build`):
//  1. Drain 1,000,000 queued points into two replicas (validation included) vs a direct writer that
//     builds the same points and writes them to both replicas (5,000-line batches, two requests in
//     flight per replica).
//  2. Publish -> visible in both replicas at a steady 20,000 points/s: p50/p99.
// Run: node bench/relay.mjs [points]
import { setTimeout as sleep } from "node:timers/promises";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { loadRelayConfig, startRelay } from "@platform-metrics/relay";
import { metricsSubject } from "@platform-metrics/sdk/contracts";
import { silentLogger } from "@platform-metrics/sdk/service";
import { startInflux, startNats } from "@platform-metrics/testing";

const POINTS = Number(process.argv[2] ?? 1_000_000);
const BATCH = 5000;
const base = BigInt(Date.now() - 3_600_000) * 1_000_000n;

function line(org, i) {
  return `bench_cpu,host=host-${i % 100},cpu=cpu${i % 8},org=${org} usage_user=${(i % 1000) / 10},usage_system=${(i % 333) / 7},ctx=${i * 3}i,up=true ${base + BigInt(i)}`;
}

async function directWriter(replicas, db) {
  for (const influx of replicas) await influx.query(`CREATE DATABASE "${db}"`);
  const started = performance.now();
  // Builds each batch once and keeps two writes in flight per replica.
  const queues = replicas.map(() => []);
  const writeTo = async (influx, body) => {
    const response = await fetch(`${influx.url}/write?db=${db}&precision=ns`, { method: "POST", body });
    if (response.status !== 204) throw new Error(`direct write ${response.status}: ${await response.text()}`);
  };
  for (let start = 0; start < POINTS; start += BATCH) {
    const lines = [];
    for (let i = start; i < Math.min(POINTS, start + BATCH); i++) lines.push(line("bench", i));
    const body = lines.join("\n");
    for (const [r, influx] of replicas.entries()) {
      const queue = queues[r];
      if (queue.length >= 2) await queue.shift();
      queue.push(writeTo(influx, body));
    }
  }
  await Promise.all(queues.flat());
  return (performance.now() - started) / 1000;
}

/** The relay's settings for these servers, as its environment. */
function relayEnv(nats, replicas, db) {
  return {
    PM_NATS_URL: nats.url,
    PM_INFLUX_URLS: `a=${replicas[0].url},b=${replicas[1].url}`,
    PM_INFLUX_DB: db,
    PM_HTTP_PORT: "0",
    PM_LOG_LEVEL: "silent",
  };
}

async function relayDrain(nats, replicas, db) {
  // Queue everything first (the relay creates the stream, then stops), then time the drain.
  const env = relayEnv(nats, replicas, db);
  const boot = await startRelay(loadRelayConfig({ env }), silentLogger);
  await boot.stop();
  const nc = await connect({ servers: nats.url });
  const js = jetstream(nc);
  for (let start = 0; start < POINTS; start += BATCH) {
    const lines = [];
    for (let i = start; i < Math.min(POINTS, start + BATCH); i++) lines.push(line("spoofed", i));
    await js.publish(metricsSubject("bench", "drain"), lines.join("\n"), { msgID: `drain-${start}` });
  }
  await nc.close();
  const started = performance.now();
  const relay = await startRelay(loadRelayConfig({ env }), silentLogger);
  while (!relay.pipelines.every((p) => p.stats.pointsWritten >= POINTS)) await sleep(20);
  const seconds = (performance.now() - started) / 1000;
  await relay.stop();
  return seconds;
}

async function latency(nats, replicas, db) {
  const env = relayEnv(nats, replicas, db);
  const relay = await startRelay(loadRelayConfig({ env }), silentLogger);
  await sleep(1000);
  const nc = await connect({ servers: nats.url });
  const js = jetstream(nc);
  const published = new Map();
  const visible = new Map();
  let running = true;
  // 1,000 points every 50 ms = 20,000 points/s, for 10 s; the last line of each message carries its number.
  const publisher = (async () => {
    const start = performance.now();
    for (let k = 1; k <= 200; k++) {
      const due = start + k * 50;
      await sleep(Math.max(0, due - performance.now()));
      const lines = [];
      for (let i = 0; i < 999; i++) lines.push(`bench_lat,host=h${i} v=${i}i ${base + BigInt(k * 1000 + i)}`);
      lines.push(`bench_seq v=${k}i ${base + BigInt(k)}`);
      published.set(k, performance.now());
      await js.publish(metricsSubject("bench", "latency"), lines.join("\n"));
    }
  })();
  const poll = async (influx) => {
    const response = await fetch(
      `${influx.url}/query?db=${db}&q=${encodeURIComponent('SELECT max("v") FROM "bench_seq"')}`,
    );
    const body = await response.json();
    return body.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0;
  };
  const poller = (async () => {
    while (running) {
      const seen = Math.min(...(await Promise.all(replicas.map(poll))));
      const now = performance.now();
      for (let k = 1; k <= seen; k++) if (!visible.has(k)) visible.set(k, now);
      await sleep(5);
    }
  })();
  await publisher;
  while (visible.size < 200) await sleep(50);
  running = false;
  await poller;
  await nc.close();
  await relay.stop();
  const latencies = [...published].map(([k, t]) => visible.get(k) - t).sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return { p50: pct(50), p99: pct(99), max: latencies.at(-1) };
}

const nats = await startNats();
const replicas = [await startInflux(), await startInflux()];
try {
  const direct = await directWriter(replicas, "direct");
  const drained = await relayDrain(nats, replicas, "relayed");
  const lat = await latency(nats, replicas, "latency");
  const rate = (s) => Math.round(POINTS / s).toLocaleString("en");
  console.log("| run | points | seconds | points/s into both replicas |");
  console.log("| --- | ---: | ---: | ---: |");
  console.log(
    `| direct writer: build lines, 5,000-line batches, 2 in flight per replica | ${POINTS} | ${direct.toFixed(2)} | ${rate(direct)} |`,
  );
  console.log(
    `| relay: drain the queued stream, validation and org rewrite included | ${POINTS} | ${drained.toFixed(2)} | ${rate(drained)} |`,
  );
  console.log("");
  console.log(`relay / direct time: ${(drained / direct).toFixed(2)} (target <= 1.0)`);
  console.log(
    `publish -> visible in both replicas at 20,000 points/s: p50 ${lat.p50.toFixed(0)} ms, p99 ${lat.p99.toFixed(0)} ms, max ${lat.max.toFixed(0)} ms (target p99 <= 250 ms)`,
  );
} finally {
  await nats.close();
  await Promise.all(replicas.map((r) => r.close()));
}
