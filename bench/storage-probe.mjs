#!/usr/bin/env node
// storage-probe: what the collector reports and what a round costs, beside a baseline in the same run:
// fio started directly with the same arguments (the collector's own fio-args), one profile at a time.
// Also the built-in Node engine on the same profiles, to show how far its figures are from fio's.
// Run: npm run build && node bench/storage-probe.mjs   [--dir=/mnt/x] [--runtime-ms=1000]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import collector, {
  DEFAULT_PROFILES,
  fioArgs,
  parseFioJson,
  resolveProfile,
} from "@platform-metrics/collector-storage-probe";
import { collectOnce } from "@platform-metrics/sdk";

const option = (name, fallback) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const RUNTIME_MS = Number(option("runtime-ms", "1000"));
const FILE_SIZE = 64 * 1024 * 1024;
const volume = mkdtempSync(join(option("dir", tmpdir()), "pm-bench-storage-"));

try {
  const defaults = {
    iodepth: 32,
    direct: true,
    ioengine: "libaio",
    fileSize: FILE_SIZE,
    runtime: RUNTIME_MS,
  };
  const profiles = DEFAULT_PROFILES.map((p) => resolveProfile(p, defaults));

  // Baseline: fio alone, with the collector's arguments.
  const fioAlone = () => {
    const byKey = new Map();
    let ms = 0;
    for (const profile of profiles) {
      const started = performance.now();
      const run = spawnSync(
        "fio",
        fioArgs(profile, join(volume, `raw-${profile.name}.dat`), profile.direct),
        {
          encoding: "utf8",
        },
      );
      ms += performance.now() - started;
      if (run.status !== 0) throw new Error(`fio failed for ${profile.name}: ${run.stderr}`);
      for (const d of parseFioJson(run.stdout).jobs[0].directions) {
        byKey.set(`${profile.name}/${d.rw}`, { iops: d.iops, p99: d.latP99Ns });
      }
    }
    return { ms, byKey };
  };

  const measure = async (engine) => {
    const started = performance.now();
    const points = await collectOnce(collector, {
      volumePath: volume,
      engine,
      fileSize: FILE_SIZE,
      runtime: RUNTIME_MS,
      freeSpaceReserve: 0,
    });
    const ms = performance.now() - started;
    const byKey = new Map();
    for (const p of points.filter((p) => p.measurement === "storage_io")) {
      byKey.set(`${p.tags.profile}/${p.tags.rw}`, {
        iops: Number(p.fields.iops.value),
        p99: p.fields.lat_p99_ns ? Number(p.fields.lat_p99_ns.value) : undefined,
      });
    }
    return { ms, byKey };
  };
  // Baseline before and after the probe: the spread between the two is this machine's noise.
  const before = fioAlone();
  const probe = await measure("fio");
  const after = fioAlone();
  const builtin = await measure("builtin");

  const fmt = (n) => (n === undefined ? "-" : n >= 100 ? Math.round(n).toLocaleString("en") : n.toFixed(1));
  const us = (ns) => (ns === undefined ? "-" : fmt(ns / 1000));
  console.log(`volume ${volume}, ${RUNTIME_MS} ms per profile, ${FILE_SIZE / 1048576} MiB files\n`);
  const runs = [
    ["fio alone, before", before],
    ["probe, engine=fio", probe],
    ["fio alone, after", after],
    ["probe, engine=builtin", builtin],
  ];
  console.log(`| profile/rw | ${runs.map(([name]) => `${name}: IOPS / p99 µs`).join(" | ")} |`);
  console.log(`| --- |${runs.map(() => " ---: |").join("")}`);
  for (const key of before.byKey.keys()) {
    const cells = runs.map(([, run]) => {
      const m = run.byKey.get(key);
      return m ? `${fmt(m.iops)} / ${us(m.p99)}` : "-";
    });
    console.log(`| ${key} | ${cells.join(" | ")} |`);
  }
  const baseMs = (before.ms + after.ms) / 2;
  console.log("\n| round of 5 profiles | wall time s | vs fio alone (mean of both) |");
  console.log("| --- | ---: | ---: |");
  for (const [name, run] of runs) {
    const delta = name.startsWith("probe")
      ? `${run.ms >= baseMs ? "+" : ""}${((run.ms - baseMs) / 1000).toFixed(2)} s`
      : "-";
    console.log(`| ${name} | ${(run.ms / 1000).toFixed(2)} | ${delta} |`);
  }
} finally {
  rmSync(volume, { recursive: true, force: true });
}
