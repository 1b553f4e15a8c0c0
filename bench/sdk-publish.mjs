#!/usr/bin/env node
// SDK encode + publish throughput to a local JetStream, beside a baseline in the same run that publishes
// the same lines pre-encoded (same batch size, one batch in flight, awaiting each ack); and the RSS of
// the idle example collector. Run: npm run build && node bench/sdk-publish.mjs
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { nowNs } from "@platform-metrics/sdk";
import { METRICS_STREAM, METRICS_SUBJECTS, metricsSubject } from "@platform-metrics/sdk/contracts";
import {
  commonConfigSchema,
  createSink,
  outputLines,
  RoundRecorder,
  silentLogger,
} from "@platform-metrics/sdk/service";
import { startNats } from "@platform-metrics/testing";

const POINTS = Number(process.env.BENCH_POINTS ?? 500_000);
const BATCH = 5000;
const TAGS = { org: "bench", source: "bench" };
const declarations = {
  bench_cpu: {
    tags: ["host", "cpu", "region"],
    fields: {
      usage_user: "float",
      usage_system: "float",
      usage_idle: "float",
      ctx_switches: "integer",
      up: "boolean",
    },
  },
};

function buildPoints(recorder, from, to) {
  for (let i = from; i < to; i++) {
    recorder
      .point("bench_cpu")
      .tag("host", `host-${i % 100}`)
      .tag("cpu", `cpu${i % 8}`)
      .tag("region", "eu-west-1")
      .float("usage_user", (i % 1000) / 10)
      .float("usage_system", (i % 333) / 7)
      .float("usage_idle", 100 - (i % 1000) / 10)
      .integer("ctx_switches", i * 3)
      .boolean("up", true)
      .at(recorder.timestamp + BigInt(i));
  }
}

async function sdkRun(url) {
  // The sink a collector gets (PM_SINK=nats, a memory buffer), sized so the whole run fits.
  const config = commonConfigSchema.parse({
    natsUrl: url,
    bufferMaxBatches: 100_000,
    bufferMaxBytes: 2 ** 31,
    batchMaxLines: BATCH,
    batchMaxDelay: 100,
    publishTimeout: 10_000,
  });
  const sink = await createSink(config, "bench", silentLogger);
  await sink.flush(5000);
  const cpu = process.cpuUsage();
  const started = performance.now();
  // As a collector does it: rounds of points, each finished (validated, encoded) and handed to the sink,
  // which seals what it holds at the end of every round. A round is one batch, so both sides publish
  // the same 5,000-line batches (smaller rounds would make the SDK publish more, smaller messages).
  const perRound = BATCH;
  for (let from = 0; from < POINTS; from += perRound) {
    const recorder = new RoundRecorder(nowNs(), declarations, { tags: TAGS });
    buildPoints(recorder, from, Math.min(POINTS, from + perRound));
    const output = recorder.finish();
    for (const [org, chunks] of output.chunksByOrg) for (const chunk of chunks) sink.writeChunk(org, chunk);
    sink.flush(0);
    // Let the publisher run between rounds, as the event loop does between scheduled rounds, and do not
    // run far ahead of it: a real collector's rounds are spaced, and a queue of the whole run would make
    // this a GC benchmark.
    do await new Promise((resolve) => setImmediate(resolve));
    while (sink.stats().batchesBuffered > 4);
  }
  const result = await sink.flush(60_000);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1e6;
  if (result.pendingPoints > 0 || sink.stats().pointsWritten !== POINTS)
    throw new Error(`sdk run lost points: ${JSON.stringify(sink.stats())}`);
  await sink.close();
  return { seconds, cpuSeconds };
}

async function baselineRun(url) {
  // The baseline publishes exactly the lines the SDK produces, encoded before the clock starts.
  const recorder = new RoundRecorder(nowNs(), declarations, { tags: TAGS });
  buildPoints(recorder, 0, POINTS);
  const encoded = outputLines(recorder.finish(), "bench");
  // Made flat, as lines read from a file or a socket are: the encoder's strings are concatenations, and
  // joining those would charge the baseline with finishing the SDK's encoding.
  const lines = encoded.join("\n").split("\n");
  if (lines.length !== POINTS) throw new Error("a bench line contains a newline");
  const nc = await connect({ servers: url });
  const js = jetstream(nc);
  const started = performance.now();
  const cpu = process.cpuUsage();
  let n = 0;
  for (let i = 0; i < lines.length; i += BATCH) {
    await js.publish(metricsSubject("bench", "baseline"), lines.slice(i, i + BATCH).join("\n"), {
      msgID: `b-${n++}`,
    });
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1e6;
  await nc.close();
  return { seconds, cpuSeconds };
}

async function idleRss(url) {
  const server = createServer((_req, res) => res.end("ok"));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  // NODE_OPTIONS as deploy/ ships it: a 1 MB young generation is plenty for a collector's rounds.
  const child = spawn(process.execPath, ["examples/hello-collector/dist/bin.js"], {
    env: {
      PATH: process.env.PATH,
      NODE_OPTIONS: "--max-semi-space-size=1 --v8-pool-size=1",
      PM_NATS_URL: url,
      PM_TARGETS: `http://127.0.0.1:${server.address().port}/`,
      PM_INTERVAL: "1s",
      PM_HTTP_PORT: "0",
      PM_LOG_LEVEL: "warn",
    },
    stdio: "ignore",
  });
  await sleep(8000);
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  const rollup = readFileSync(`/proc/${child.pid}/smaps_rollup`, "utf8");
  const kb = (text, field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)[1]);
  const rss = kb(status, "VmRSS") / 1024;
  // RSS counts the node executable's pages (about 40 MB, shared by every node process and clean);
  // private memory is what this collector itself costs.
  const privateMb = (kb(rollup, "Private_Clean") + kb(rollup, "Private_Dirty")) / 1024;
  child.kill("SIGTERM");
  await new Promise((resolve) => child.on("exit", resolve));
  server.close();
  return { rss, privateMb };
}

const nats = await startNats();
try {
  const nc = await connect({ servers: nats.url });
  await (await jetstreamManager(nc)).streams.add({
    name: METRICS_STREAM,
    subjects: [METRICS_SUBJECTS],
    storage: "file",
  });
  await nc.close();

  // BENCH_PART=publish or BENCH_PART=rss runs one half.
  const part = process.env.BENCH_PART ?? "all";
  if (part !== "rss") {
    const runs = [];
    for (let i = 0; i < 2; i++)
      runs.push({ sdk: await sdkRun(nats.url), baseline: await baselineRun(nats.url) });
    const best = (key) => runs.map((r) => r[key]).sort((a, b) => a.seconds - b.seconds)[0];
    report(best("sdk"), best("baseline"));
  }
  if (part !== "publish") {
    const rss = await idleRss(nats.url);
    console.log(
      `Idle example collector after 8 s: RSS ${rss.rss.toFixed(1)} MB (target <= 60 MB), private ${rss.privateMb.toFixed(1)} MB`,
    );
  }
} finally {
  await nats.close();
}

function report(sdk, baseline) {
  const rate = (r) => Math.round(POINTS / r.seconds);
  console.log(`| run | points | seconds | points/s | CPU s (this process) |`);
  console.log(`| --- | --- | --- | --- | --- |`);
  console.log(
    `| SDK: build, validate, encode, batch, publish, await acks | ${POINTS} | ${sdk.seconds.toFixed(2)} | ${rate(sdk)} | ${sdk.cpuSeconds.toFixed(2)} |`,
  );
  console.log(
    `| baseline: publish pre-encoded lines, same batches | ${POINTS} | ${baseline.seconds.toFixed(2)} | ${rate(baseline)} | ${baseline.cpuSeconds.toFixed(2)} |`,
  );
  console.log("");
  console.log(
    `SDK / baseline throughput: ${(rate(sdk) / rate(baseline)).toFixed(2)} (target >= 0.70); SDK points/s: ${rate(sdk)} (target >= 300000)`,
  );
}
