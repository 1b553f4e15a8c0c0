#!/usr/bin/env node
// Fails (exit 1) when a package's modules import each other in a circle, naming each circle. Reads
// the TypeScript source of every workspace package (src/ and test/), type-only imports included: a
// circle of types is still two files that cannot be understood, changed or moved one without the
// other. Imports of another workspace package (@platform-metrics/sdk/service, ...) are followed to its
// entry point's source, so a circle through two packages is found too.
//
//   node scripts/check-import-cycles.mjs [workspace root, default this repository]
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = process.argv[2] ? resolve(process.argv[2]) : join(dirname(fileURLToPath(import.meta.url)), "..");

/** Workspace package name -> its folder. */
function workspacePackages() {
  const packages = new Map();
  const { workspaces } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  for (const pattern of workspaces) {
    const dirs = pattern.endsWith("/*")
      ? readdirSync(join(root, pattern.slice(0, -2))).map((name) => join(root, pattern.slice(0, -2), name))
      : [join(root, pattern)];
    for (const dir of dirs) {
      const manifest = join(dir, "package.json");
      if (existsSync(manifest)) packages.set(JSON.parse(readFileSync(manifest, "utf8")).name, dir);
    }
  }
  return packages;
}

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory())
      return name === "node_modules" || name === "dist" ? [] : sourceFiles(path);
    return /\.(ts|mts)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

const packages = workspacePackages();

/** The source file an import names, or undefined for anything outside the workspace. */
function resolveImport(from, specifier) {
  if (specifier.startsWith(".")) {
    const base = resolve(dirname(from), specifier);
    for (const candidate of [
      base.replace(/\.js$/, ".ts"),
      base.replace(/\.mjs$/, ".mts"),
      `${base}.ts`,
      join(base, "index.ts"),
    ])
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    return undefined;
  }
  const match = /^(@platform-metrics\/[^/]+)(\/.*)?$/.exec(specifier);
  if (!match || !packages.has(match[1])) return undefined;
  const entry = join(packages.get(match[1]), "src", match[2] ?? "", "index.ts");
  return existsSync(entry) ? entry : undefined;
}

const graph = new Map();
for (const dir of packages.values()) {
  for (const file of [...sourceFiles(join(dir, "src")), ...sourceFiles(join(dir, "test"))]) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets = importedFiles.map((i) => resolveImport(file, i.fileName)).filter(Boolean);
    graph.set(file, [...new Set(targets)]);
  }
}

// Tarjan's strongly connected components: every component of more than one file (or a file that
// imports itself) is a circle.
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const circles = [];
let next = 0;
function visit(file) {
  index.set(file, next);
  low.set(file, next++);
  stack.push(file);
  onStack.add(file);
  for (const target of graph.get(file) ?? []) {
    if (!index.has(target)) {
      visit(target);
      low.set(file, Math.min(low.get(file), low.get(target)));
    } else if (onStack.has(target)) low.set(file, Math.min(low.get(file), index.get(target)));
  }
  if (low.get(file) !== index.get(file)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(member);
  } while (member !== file);
  if (component.length > 1 || (graph.get(file) ?? []).includes(file)) circles.push(component);
}
for (const file of graph.keys()) if (!index.has(file)) visit(file);

if (circles.length > 0) {
  console.error(`import circles (${circles.length}):`);
  for (const circle of circles)
    console.error(
      `  ${circle
        .map((file) => relative(root, file))
        .sort()
        .join(" <-> ")}`,
    );
  process.exit(1);
}
console.log(`no import circles in ${graph.size} modules of ${packages.size} packages`);
