#!/usr/bin/env node
// Runs the test suite on a machine made busy on purpose: one busy loop per core (two on the
// 2-core build machine) spins for the whole run, so every test runs with less CPU than it asks
// for, as on a shared machine with other work going on. A test that waits on a sleep or a
// wall-clock budget instead of the condition it is about fails here first.
//
//   node scripts/stress-test.mjs [--double] [--loops N] [vitest filters and options...]
//   npm run test:busy             the whole suite beside the busy loops
//   npm run test:busy:double      the same with twice the config's vitest workers
//   npm run test:busy -- perf/test/tree.test.ts    only some files
//
// --double doubles the test's own concurrency relative to vitest.config.ts (maxWorkers): twice
// as many test files run at once, each with their servers and process trees.
// The packages are built first (as `npm test` does). The busy loops end with this script: on exit,
// on Ctrl-C or SIGTERM, and on their own if this script is killed outright (each loop checks that
// its parent is still the one that started it).
import { spawn, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// Its own options; everything else goes to `vitest run` (file filters, -t, --reporter=...).
let double = false;
let loopsText = String(availableParallelism());
const vitestExtra = [];
for (let args = process.argv.slice(2); args.length > 0; ) {
  const arg = args.shift();
  if (arg === "--double") double = true;
  else if (arg === "--loops") loopsText = args.shift() ?? "";
  else if (arg.startsWith("--loops=")) loopsText = arg.slice("--loops=".length);
  else vitestExtra.push(arg);
}
const loopCount = Number(loopsText);
if (loopsText === "" || !Number.isInteger(loopCount) || loopCount < 0)
  throw new Error(`--loops: expected a whole number of busy loops, got ${JSON.stringify(loopsText)}`);

const build = spawnSync("npx", ["turbo", "run", "build", "--output-logs=errors-only"], {
  cwd: root,
  stdio: "inherit",
});
if (build.status !== 0) process.exit(build.status ?? 1);
// As `npm test` does: the bins tests run the linked bins.
const link = spawnSync(process.execPath, [join(root, "scripts", "link-bins.mjs")], {
  cwd: root,
  stdio: "inherit",
});
if (link.status !== 0) process.exit(link.status ?? 1);

const vitestArgs = ["run", ...vitestExtra];
if (double) {
  const { resolveConfig } = await import("vitest/node");
  const { vitestConfig } = await resolveConfig({ root });
  const workers = vitestConfig.maxWorkers;
  if (typeof workers !== "number")
    throw new Error(`--double: expected a number of maxWorkers in vitest.config.ts, got ${workers}`);
  vitestArgs.push(`--maxWorkers=${workers * 2}`, "--fileParallelism");
}

// Spins; every 2^24 rounds (some ms) it checks that the script that started it is still its parent.
const LOOP = `const parent = process.ppid;
for (let i = 1; ; i++) if ((i & 0xffffff) === 0 && process.ppid !== parent) process.exit(0);`;
const loops = Array.from({ length: loopCount }, () =>
  spawn(process.execPath, ["-e", LOOP], { stdio: "ignore" }),
);
const stopLoops = () => {
  for (const loop of loops) if (loop.exitCode === null && loop.signalCode === null) loop.kill("SIGKILL");
};
process.on("exit", stopLoops);

const started = performance.now();
console.log(`stress-test: ${loopCount} busy loop(s) running; vitest ${vitestArgs.join(" ")}`.trimEnd());
const vitest = spawn(join(root, "node_modules", ".bin", "vitest"), vitestArgs, {
  cwd: root,
  stdio: "inherit",
});
// Ctrl-C reaches vitest too (same process group); it stops its workers and exits, and so do we.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    stopLoops();
    vitest.kill(signal);
  });
}
vitest.on("exit", (code, signal) => {
  stopLoops();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`stress-test: vitest ${signal ? `stopped by ${signal}` : `exited ${code}`} after ${seconds} s`);
  process.exit(code ?? 1);
});
