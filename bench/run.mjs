#!/usr/bin/env node
// `npm run bench`: runs every benchmark in bench/ one after another (each starts its own servers and
// prints a markdown table beside its baseline). `npm run bench -- relay` runs only those whose file
// name contains "relay". Results worth keeping go to bench/RESULTS.md by hand, with the date.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? "";
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith(".mjs") && f !== "run.mjs" && f.includes(filter))
  .sort();
let failed = 0;
for (const script of scripts) {
  console.log(`\n## ${script}\n`);
  const result = spawnSync(process.execPath, [join(dir, script)], { stdio: "inherit", cwd: join(dir, "..") });
  if (result.status !== 0) {
    console.error(`${script} failed with exit code ${result.status}`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
