#!/usr/bin/env node
// pm-collector-data-catalog paging a large catalog: 20,000 CKAN datasets (50 organizations, every
// 10th private, read with a token) and 20,000 OpenMetadata tables, from the simulated servers of
// @platform-metrics/testing, at the default page size (100) and at the largest (1000). Beside them, in
// the same run, the baseline: the same collector reading an empty catalog (what Node, the SDK and the
// HTTP client cost before any page). Reports each run's peak RSS (VmHWM) while paging, the pages, and
// the round time.
//
//   node bench/data-catalog.mjs [--datasets=20000] [--page-sizes=100,1000] [--runs=1]
//
// Needs the collector and the testing package built (npm run build). The collector runs as the image
// runs it (bundled bin, NODE_OPTIONS "--max-semi-space-size=1 --v8-pool-size=1"), one round
// (PM_INTERVAL=1h), and is stopped once its round's points are out, while its memory is still read.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startCkan, startOpenMetadata } from "@platform-metrics/testing";

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith("--"))
    .map((a) => {
      const [key, value = "true"] = a.slice(2).split("=");
      return [key, value];
    }),
);
const datasets = Number(args.datasets ?? 20_000);
const pageSizes = String(args["page-sizes"] ?? "100,1000").split(",");
const runs = Number(args.runs ?? 1);
const BIN = fileURLToPath(new URL("../collectors/data-catalog/dist/bin.js", import.meta.url));
const TARGET_MB = 100;

function peakMemory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)[1]);
  return { peakMB: (kib("VmHWM") * 1024) / 1e6, rssMB: (kib("VmRSS") * 1024) / 1e6 };
}

/** One round of the collector against `env`'s catalog; its peak RSS read just before it is stopped. */
async function measure(name, pageSize, env) {
  const began = performance.now();
  const child = spawn(process.execPath, [BIN], {
    env: {
      PATH: process.env.PATH,
      NODE_OPTIONS: "--max-semi-space-size=1 --v8-pool-size=1",
      PM_SINK: "stdout",
      PM_HTTP_PORT: "0",
      PM_INTERVAL: "1h",
      PM_JITTER: "0ms",
      PM_PAGE_SIZE: pageSize,
      PM_LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.on("close", resolve));
  // The round is over once its own point is out (written after the catalog's points are built).
  while (!stdout.includes("\npm_datacatalog,") && !stdout.startsWith("pm_datacatalog,")) {
    if (child.exitCode !== null) throw new Error(`${name}: the collector exited early:\n${stderr}`);
    await sleep(20);
  }
  const roundMs = performance.now() - began;
  await sleep(200);
  const memory = peakMemory(child.pid);
  child.kill("SIGTERM");
  await exited;
  const reading = stdout.split("\n").find((line) => line.startsWith("pm_datacatalog,")) ?? "";
  const value = (key) => new RegExp(`[ ,]${key}=([^,\\s]+)`).exec(reading)?.[1];
  return {
    name,
    pageSize,
    ...memory,
    roundMs,
    datasetsRead: value("datasets_read"),
    pages: value("pages"),
    complete: value("complete"),
  };
}

const ckan = await startCkan({ datasets, organizations: 50, privateEvery: 10 });
const openmetadata = await startOpenMetadata({ tables: datasets, services: 5, teams: 20 });
const empty = await startCkan({ datasets: 0, organizations: 0 });
const rows = [];
try {
  for (let run = 0; run < runs; run++) {
    rows.push(
      await measure("baseline: empty CKAN catalog", "100", { PM_ADAPTER: "ckan", PM_URL: empty.url }),
    );
    for (const pageSize of pageSizes) {
      rows.push(
        await measure(`ckan, ${datasets} datasets`, pageSize, {
          PM_ADAPTER: "ckan",
          PM_URL: ckan.url,
          PM_CATALOG_TOKEN: ckan.token,
        }),
      );
      rows.push(
        await measure(`openmetadata, ${datasets} tables`, pageSize, {
          PM_ADAPTER: "openmetadata",
          PM_URL: openmetadata.url,
          PM_CATALOG_TOKEN: openmetadata.token,
        }),
      );
    }
  }
} finally {
  await Promise.all([ckan.close(), openmetadata.close(), empty.close()]);
}

const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
console.log(`data-catalog, ${new Date().toISOString()}, load ${load}\n`);
console.log(
  "| run | page size | datasets read | pages | complete | round (incl. start) | peak RSS (VmHWM) | RSS after |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) {
  console.log(
    `| ${row.name} | ${row.pageSize} | ${row.datasetsRead} | ${row.pages} | ${row.complete} | ${(row.roundMs / 1000).toFixed(2)} s | ${row.peakMB.toFixed(1)} MB | ${row.rssMB.toFixed(1)} MB |`,
  );
}
const paging = rows.filter((row) => !row.name.startsWith("baseline") && row.pageSize === pageSizes[0]);
const worst = Math.max(...paging.map((row) => row.peakMB));
console.log(
  `\nworst peak while paging at page size ${pageSizes[0]}: ${worst.toFixed(1)} MB (target < ${TARGET_MB} MB): ${worst < TARGET_MB ? "met" : "NOT met"}`,
);
