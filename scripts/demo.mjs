#!/usr/bin/env node
// `npm run demo`: installs what the demo needs and is missing, builds, then starts the whole pipeline
// on this machine (demo/src/main.ts). Plain Node, no dependencies: it runs before `npm ci`.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const say = (line) => process.stdout.write(`${line}\n`);

// Debian package -> the executable it brings. fio is optional: storage-probe falls back to its
// built-in probe without it.
const SERVERS = [
  { pkg: "nats-server", bin: "nats-server" },
  { pkg: "influxdb", bin: "influxd" },
];
const OPTIONAL = [{ pkg: "fio", bin: "fio" }];

function findBinary(name) {
  const dirs = `${process.env.PATH ?? ""}:/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/bin`.split(":");
  return dirs.some((dir) => dir && existsSync(join(dir, name)));
}

function run(cmd, args) {
  const started = performance.now();
  execFileSync(cmd, args, {
    stdio: ["ignore", "ignore", "inherit"],
    cwd: root,
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return ((performance.now() - started) / 1000).toFixed(1);
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const missing = SERVERS.filter((s) => !findBinary(s.bin)).map((s) => s.pkg);
const missingOptional = OPTIONAL.filter((s) => !findBinary(s.bin)).map((s) => s.pkg);
if (missing.length > 0 && !isRoot) {
  process.stderr.write(
    `The demo needs ${missing.join(" and ")}, which are not installed. Install them, then run npm run demo again:\n` +
      `  sudo apt-get update && sudo apt-get install -y ${[...missing, ...missingOptional].join(" ")}\n`,
  );
  process.exit(1);
}
const toInstall = isRoot ? [...missing, ...missingOptional] : [];
if (toInstall.length > 0) {
  say(`Installing ${toInstall.join(", ")} (apt-get)...`);
  run("apt-get", ["update", "-q"]);
  say(`  installed in ${run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...toInstall])} s`);
} else if (missingOptional.length > 0) {
  say(`(${missingOptional.join(", ")} not installed: storage-probe uses its built-in probe instead)`);
}

if (!existsSync(join(root, "node_modules", ".package-lock.json"))) {
  say("Installing npm packages (npm ci)...");
  say(`  done in ${run("npm", ["ci", "--no-audit", "--no-fund"])} s`);
}

// turbo rebuilds only what changed since the last build (a few seconds when nothing did).
say("Building (turbo, only what changed)...");
const turbo = join(root, "node_modules", ".bin", "turbo");
say(`  built in ${run(turbo, ["run", "build", "--output-logs=errors-only"])} s`);
const linked = spawnSync(process.execPath, [join(root, "scripts", "link-bins.mjs")], {
  env: { ...process.env, PM_LINK_BINS_QUIET: "1" },
  stdio: "inherit",
});
if (linked.status !== 0) process.exit(linked.status ?? 1);

const { main } = await import(pathToFileURL(join(root, "demo", "dist", "main.js")).href);
process.exit(await main());
