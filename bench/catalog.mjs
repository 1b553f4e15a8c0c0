#!/usr/bin/env node
// pm-collector-catalog paging a large Backstage catalog: 50,000 entities in the simulated catalog of
// @platform-metrics/testing (documented response shapes, bearer token), read by the built bin with
// --once. Reports the collector process's peak RSS (VmHWM, sampled every 5 ms, and GNU time's maximum
// resident set when /usr/bin/time exists), its CPU time and the wall time of the run. Baselines in the
// same run: the same bin reading an empty catalog (what the process costs before any page), and a
// broker catalog of one large document (OSB, 2,000 offerings).
//
//   node bench/catalog.mjs [--entities=50000] [--page-size=500] [--runs=2]
//
// Needs everything built (npm run build). The collector runs as the image runs it (bundled bin,
// NODE_OPTIONS "--max-semi-space-size=1 --v8-pool-size=1").
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startBackstageCatalog, startOsbBroker } from "@platform-metrics/testing";

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith("--"))
    .map((a) => a.slice(2).split("=")),
);
const entities = Number(args.entities ?? 50_000);
const pageSize = Number(args["page-size"] ?? 500);
const runs = Number(args.runs ?? 2);
const BIN = fileURLToPath(new URL("../collectors/catalog/dist/bin.js", import.meta.url));
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const TARGET_MB = 100;

/** Runs the bin once; samples VmHWM of the node process while it runs. */
async function runOnce(env) {
  const command = TIME
    ? [TIME, ["-f", "PM_TIME %M %U %S", process.execPath, BIN, "--once"]]
    : [process.execPath, [BIN, "--once"]];
  const started = performance.now();
  const child = spawn(command[0], command[1], {
    env: {
      PATH: process.env.PATH ?? "",
      PM_SINK: "stdout",
      PM_HTTP_PORT: "0",
      PM_LOG_LEVEL: "warn",
      NODE_OPTIONS: "--max-semi-space-size=1 --v8-pool-size=1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.on("close", resolve));
  let hwmKiB = 0;
  let nodePid;
  let done = false;
  exited.then(() => (done = true));
  while (!done) {
    nodePid ??= TIME ? childPid(child.pid) : child.pid;
    if (nodePid !== undefined) {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${nodePid}/status`, "utf8"));
        if (match) hwmKiB = Math.max(hwmKiB, Number(match[1]));
      } catch {}
    }
    await sleep(5);
  }
  const code = await exited;
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`collector exited ${code}: ${stderr}`);
  const time = /PM_TIME (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
  const self = stdout.split("\n").find((line) => line.startsWith("pm_catalog,"));
  return {
    hwmMiB: hwmKiB / 1024,
    maxRssMiB: time ? Number(time[1]) / 1024 : undefined,
    cpuS: time ? Number(time[2]) + Number(time[3]) : undefined,
    wallMs,
    self: self?.split(" ")[1] ?? "(no pm_catalog line)",
  };
}

/** The node process under /usr/bin/time. */
function childPid(pid) {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return children === "" ? undefined : Number(children.split(" ")[0]);
  } catch {
    return undefined;
  }
}

const token = "bench-token";
const empty = await startBackstageCatalog({ entities: 0, token });
const large = await startBackstageCatalog({ entities, token });
const legacy = await startBackstageCatalog({ entities, token, withoutQueryEndpoint: true });
const broker = await startOsbBroker({ services: 2000, username: "u", password: "p" });
const backstage = (server, extra = {}) => ({
  PM_ADAPTER: "backstage",
  PM_URL: server.url,
  PM_CATALOG_TOKEN: token,
  PM_PAGE_SIZE: String(pageSize),
  PM_MAX_PAGES: "100000",
  ...extra,
});
const cases = [
  ["baseline: empty catalog", backstage(empty)],
  [`${entities.toLocaleString("en")} entities, by-query, cursor, ${pageSize} per page`, backstage(large)],
  [
    `${entities.toLocaleString("en")} entities, by-query, 1000 per page`,
    backstage(large, { PM_PAGE_SIZE: "1000" }),
  ],
  [`${entities.toLocaleString("en")} entities, /entities offset paging`, backstage(legacy)],
  [
    "baseline: OSB catalog, 2,000 offerings in one document",
    { PM_ADAPTER: "osb", PM_URL: broker.url, PM_CATALOG_USER: "u", PM_CATALOG_PASSWORD: "p" },
  ],
];

console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
console.log("| case | run | peak RSS (VmHWM) | max RSS (time) | CPU s | wall ms | pm_catalog |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
let worst = 0;
for (const [name, env] of cases) {
  for (let run = 1; run <= runs; run++) {
    const result = await runOnce(env);
    const peak = Math.max(result.hwmMiB, result.maxRssMiB ?? 0);
    if (!name.startsWith("baseline")) worst = Math.max(worst, peak);
    console.log(
      `| ${name} | ${run} | ${result.hwmMiB.toFixed(1)} MiB | ${result.maxRssMiB?.toFixed(1) ?? "-"} MiB | ${result.cpuS?.toFixed(2) ?? "-"} | ${result.wallMs.toFixed(0)} | ${result.self} |`,
    );
  }
}
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
const worstMB = (worst * 1024 * 1024) / 1e6;
console.log(
  `\nworst peak while paging: ${worst.toFixed(1)} MiB (${worstMB.toFixed(1)} MB); target < ${TARGET_MB} MB: ${worstMB < TARGET_MB ? "met" : "NOT met"}`,
);
await Promise.all([empty.close(), large.close(), legacy.close(), broker.close()]);
process.exit(worstMB < TARGET_MB ? 0 : 1);
