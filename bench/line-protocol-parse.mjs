// Throughput of the SDK's strict line-protocol parser, as the relay uses it, beside a baseline that
// only decodes and splits the same messages (Buffer.toString + String.split) in the same run.
//
//   cd sdk && npx tsc -p tsconfig.build.json && cd .. && node bench/line-protocol-parse.mjs [lines]
//
// Input: Telegraf-like `cpu` lines (5 tags, 10 fields, nanosecond timestamp), in messages of 5,000 lines
// (Telegraf's use_batch_format) and in one-line messages (Telegraf's default, one metric per message).
import { Buffer } from "node:buffer";
import {
  encodePoint,
  parseGeneral,
  parseLine,
  parseMessage,
  splitMessage,
  withTag,
} from "@platform-metrics/sdk/line-protocol";

const totalLines = Number(process.argv[2] ?? 500_000);
const batchSize = 5_000;
const rounds = 5;

function makeLine(k) {
  const host = `web-${String(k % 200).padStart(3, "0")}.example.com`;
  const ts = 1_700_000_000_000_000_000n + BigInt(k) * 1_000_000_000n;
  const f = (x) => (x % 10_000) / 100;
  return (
    `cpu,cpu=cpu${k % 16},dc=dc${k % 3},host=${host},region=eu-west-1,zone=eu-west-1${"abc"[k % 3]} ` +
    `usage_user=${f(k * 7)},usage_system=${f(k * 13)},usage_idle=${f(k * 17)},usage_nice=0,` +
    `usage_iowait=${f(k * 3)},usage_irq=0,usage_softirq=${f(k)},usage_steal=0,` +
    `context_switches=${k * 31}i,interrupts=${k * 11}i ${ts}`
  );
}

// The same point as a Point object, for the reference row: what a direct writer spends encoding it.
function makePoint(k) {
  const f = (x) => ({ type: "float", value: (x % 10_000) / 100 });
  return {
    measurement: "cpu",
    tags: {
      cpu: `cpu${k % 16}`,
      dc: `dc${k % 3}`,
      host: `web-${String(k % 200).padStart(3, "0")}.example.com`,
      region: "eu-west-1",
      zone: `eu-west-1${"abc"[k % 3]}`,
    },
    fields: {
      usage_user: f(k * 7),
      usage_system: f(k * 13),
      usage_idle: f(k * 17),
      usage_nice: f(0),
      usage_iowait: f(k * 3),
      usage_irq: f(0),
      usage_softirq: f(k),
      usage_steal: f(0),
      context_switches: { type: "integer", value: BigInt(k * 31) },
      interrupts: { type: "integer", value: BigInt(k * 11) },
    },
    timestamp: 1_700_000_000_000_000_000n + BigInt(k) * 1_000_000_000n,
  };
}

const lines = Array.from({ length: totalLines }, (_, k) => makeLine(k));
if (encodePoint(makePoint(12345)) !== makeLine(12345)) throw new Error("makePoint and makeLine disagree");
const pointBatches = [];
for (let k = 0; k < totalLines; k += batchSize) {
  pointBatches.push(Array.from({ length: Math.min(batchSize, totalLines - k) }, (_, j) => makePoint(k + j)));
}
const batches = [];
for (let k = 0; k < totalLines; k += batchSize) {
  batches.push(new Uint8Array(Buffer.from(`${lines.slice(k, k + batchSize).join("\n")}\n`)));
}
const singles = lines
  .slice(0, Math.min(totalLines, 100_000))
  .map((line) => new Uint8Array(Buffer.from(`${line}\n`)));
const bytes = batches.reduce((sum, b) => sum + b.byteLength, 0);

let sink = 0;
const cases = [
  {
    name: "baseline: Buffer.toString + split",
    messages: batches,
    run(m) {
      const parts = Buffer.from(m.buffer, m.byteOffset, m.byteLength).toString("utf8").split("\n");
      sink += parts.length;
    },
  },
  {
    name: "splitMessage",
    messages: batches,
    run(m) {
      sink += splitMessage(m).length;
    },
  },
  {
    name: "parseMessage (validate)",
    messages: batches,
    run(m) {
      sink += parseMessage(m).lines.length;
    },
  },
  {
    // The same validation without the ASCII fast path: UTF-8 decode, then the string parser.
    name: "parseGeneral (validate, general path)",
    messages: batches,
    run(m) {
      sink += parseGeneral(m).lines.length;
    },
  },
  {
    name: "parseMessage + withTag(org) (relay path)",
    messages: batches,
    run(m) {
      for (const line of parseMessage(m).lines) sink += withTag(line, "org", "acme").length;
    },
  },
  {
    name: "parseMessage + decode tags, fields, timestamp",
    messages: batches,
    run(m) {
      for (const line of parseMessage(m).lines) {
        sink +=
          Object.keys(line.tags).length + Object.keys(line.fields).length + (line.timestamp > 0n ? 1 : 0);
      }
    },
  },
  {
    name: "reference: encodePoint of the same points",
    messages: pointBatches,
    run(points) {
      for (const p of points) sink += encodePoint(p).length;
    },
  },
  {
    name: "baseline, one-line messages",
    messages: singles,
    run(m) {
      sink += Buffer.from(m.buffer, m.byteOffset, m.byteLength).toString("utf8").split("\n").length;
    },
  },
  {
    name: "parseMessage + withTag(org), one-line messages",
    messages: singles,
    run(m) {
      for (const line of parseMessage(m).lines) sink += withTag(line, "org", "acme").length;
    },
  },
];

function measure(testCase) {
  const count = testCase.messages === singles ? singles.length : totalLines;
  const rates = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (const m of testCase.messages) testCase.run(m);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(count / seconds);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]; // median
}

// Sanity: every generated line must be valid, or the numbers mean nothing.
for (const line of lines.slice(0, 1000)) parseLine(line);
const rejected = batches.reduce((n, m) => n + parseMessage(m).rejected.length, 0);
if (rejected !== 0) throw new Error(`${rejected} generated lines were rejected`);

for (const c of cases) measure(c); // warm up
const results = cases.map((c) => ({ name: c.name, rate: measure(c), singles: c.messages === singles }));
const baseline = results[0].rate;
const singleBaseline = results.find((r) => r.singles).rate;

console.log(
  `\n${totalLines.toLocaleString("en")} lines, ${(bytes / totalLines).toFixed(0)} bytes/line, ` +
    `${batchSize}-line messages (one-line messages: ${singles.length.toLocaleString("en")}); ` +
    `median of ${rounds} rounds, Node ${process.version}\n`,
);
console.log("| case | lines/s | vs baseline |");
console.log("| --- | ---: | ---: |");
for (const r of results) {
  const base = r.singles ? singleBaseline : baseline;
  console.log(`| ${r.name} | ${Math.round(r.rate).toLocaleString("en")} | ${(r.rate / base).toFixed(2)} |`);
}
if (sink === 0) console.log("(nothing measured)");
