#!/usr/bin/env node
// Links every workspace's executables (pm-relay, pm-gateway, pm-collector-*) into the root
// node_modules/.bin, as `npm install` does for dependencies. Run after the build (`npm run build` does):
// npm links a workspace's bin only when its file exists at install time, and dist/ does not exist
// before the first build, so without this `npx pm-relay` would ask the public registry for that name.
// Plain Node, no dependencies.
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, unlinkSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const binDir = join(root, "node_modules", ".bin");
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));

// The lockfile lists each workspace folder with its bin map (e.g. "relay": { bin: { "pm-relay": ... } }).
const linked = [];
for (const [folder, entry] of Object.entries(lock.packages ?? {})) {
  if (folder === "" || folder.startsWith("node_modules/") || !entry.bin) continue;
  const manifest = JSON.parse(readFileSync(join(root, folder, "package.json"), "utf8"));
  for (const [name, file] of Object.entries(manifest.bin ?? {})) {
    const target = join(root, folder, file);
    if (!existsSync(target)) {
      process.stderr.write(`link-bins: ${name}: ${relative(root, target)} is missing (build first)\n`);
      process.exitCode = 1;
      continue;
    }
    mkdirSync(binDir, { recursive: true });
    const link = join(binDir, name);
    if (existsSync(link) || isSymlink(link)) unlinkSync(link);
    symlinkSync(relative(binDir, target), link);
    chmodSync(target, 0o755);
    linked.push(name);
  }
}
if (process.env.PM_LINK_BINS_QUIET !== "1")
  process.stdout.write(`link-bins: ${linked.sort().join(", ")} in node_modules/.bin\n`);

function isSymlink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
