// Throughput of the component-status collector's exposition parser (Prometheus text and
// OpenMetrics), beside two baselines in the same run: decoding and splitting the same text into
// lines, and the SDK's strict line-protocol parser (the relay's) decoding the same samples written as
// line protocol, which does comparable work per sample.
//
//   npx turbo run build --filter=@platform-metrics/collector-component-status && node bench/component-status-scrape.mjs [samples]
//
// Input: a large exporter's /metrics: histograms with 3 labels and 10 buckets each, plus their
// _sum and _count, HELP and TYPE lines.
import { Buffer } from "node:buffer";
import { parseExposition } from "@platform-metrics/collector-component-status";
import { parseMessage } from "@platform-metrics/sdk";

const totalSamples = Number(process.argv[2] ?? 200_000);
const rounds = 5;
const BUCKETS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"];

function exposition(format) {
  const lines = [];
  let samples = 0;
  for (let family = 0; samples < totalSamples; family++) {
    const name = `http_request_duration_seconds_${family % 50}`;
    if (family < 50) lines.push(`# HELP ${name} Request latency.`, `# TYPE ${name} histogram`);
    const labels = `handler="/api/v1/items/${family}",method="GET",code="${200 + (family % 5)}"`;
    for (const [i, le] of BUCKETS.entries())
      lines.push(`${name}_bucket{${labels},le="${le}"} ${family * 10 + i}`);
    lines.push(
      `${name}_sum{${labels}} ${(family * 1.2345).toFixed(4)}`,
      `${name}_count{${labels}} ${family * 10 + 9}`,
    );
    samples += BUCKETS.length + 2;
  }
  if (format === "openmetrics") lines.push("# EOF");
  return `${lines.join("\n")}\n`;
}

function lineProtocol() {
  const lines = [];
  let samples = 0;
  for (let family = 0; samples < totalSamples; family++) {
    const name = `http_request_duration_seconds_${family % 50}`;
    const tags = `code=${200 + (family % 5)},handler=/api/v1/items/${family},method=GET`;
    for (const [i, le] of BUCKETS.entries())
      lines.push(`component_scrape,${tags},le=${le} ${name}_bucket=${family * 10 + i}`);
    lines.push(`component_scrape,${tags} ${name}_sum=${(family * 1.2345).toFixed(4)}`);
    lines.push(`component_scrape,${tags} ${name}_count=${family * 10 + 9}`);
    samples += BUCKETS.length + 2;
  }
  return Buffer.from(`${lines.join("\n")}\n`);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(run) {
  run();
  const rates = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const count = run();
    rates.push(count / ((performance.now() - started) / 1000));
  }
  return median(rates);
}

const prometheus = exposition("prometheus");
const openmetrics = exposition("openmetrics");
const influx = lineProtocol();
const prometheusBytes = Buffer.from(prometheus);

const cases = [
  [
    "baseline: Buffer.toString + split into lines",
    () => prometheusBytes.toString("utf8").split("\n").length - 1,
  ],
  [
    "parseExposition, Prometheus text",
    () => parseExposition(prometheusBytes.toString("utf8"), "prometheus", 1e9).samples.length,
  ],
  ["parseExposition, OpenMetrics", () => parseExposition(openmetrics, "openmetrics", 1e9).samples.length],
  [
    "baseline: SDK parseMessage + decode, same samples as line protocol",
    () => {
      let n = 0;
      for (const line of parseMessage(influx).lines)
        n += Object.keys(line.fields).length + Object.keys(line.tags).length * 0;
      return n;
    },
  ],
];

console.log(
  `${totalSamples.toLocaleString("en")} samples (${(prometheus.length / 1e6).toFixed(1)} MB of Prometheus text), median of ${rounds} rounds after a warm-up, Node ${process.version}\n`,
);
console.log("| case | samples/s | vs line split |\n| --- | ---: | ---: |");
let base;
for (const [name, run] of cases) {
  const rate = measure(run);
  base ??= rate;
  console.log(`| ${name} | ${Math.round(rate).toLocaleString("en")} | ${(rate / base).toFixed(2)} |`);
}
