#!/usr/bin/env node
// npm run new-collector -- <name> [--description "..."]
// Scaffolds collectors/<name>/ (package.json with its bin, both tsconfigs, src/ in the layout every
// collector shares, a test with collectOnce, a README with the generated tables) and deploy/<name>/,
// then links and builds it, so `npx pm-collector-<name> --once` works at once: the workspace is added
// to package-lock.json and node_modules as `npm install` would add it (without a second install, npx
// would ask the public registry for that name). `--root DIR` scaffolds into another checkout (tests).
// Plain Node, no dependencies.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const usage = "usage: npm run new-collector -- <name> [--description TEXT] [--root DIR]";
let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { description: { type: "string" }, root: { type: "string" }, help: { type: "boolean" } },
  });
} catch (error) {
  fail(`${error.message}\n${usage}`);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const name = positionals[0];
if (positionals.length !== 1) fail(usage);
// The collector name rule of defineCollector, kept shorter: it also names a NATS user and a Deployment.
if (!/^[a-z][a-z0-9-]{0,40}$/.test(name) || name.endsWith("-") || name.includes("--")) {
  fail(
    `name ${JSON.stringify(name)}: expected lowercase letters, digits and single dashes, starting with a letter`,
  );
}
const root = values.root ?? join(dirname(fileURLToPath(import.meta.url)), "..");
const description = values.description ?? `Measures ${name} (describe what it measures)`;
const pkgDir = join(root, "collectors", name);
const deployDir = join(root, "deploy", name);
const packageName = `@platform-metrics/collector-${name}`;
const bin = `pm-collector-${name}`;
const measurement = `${name.replace(/-/g, "_")}_reading`;
for (const dir of [pkgDir, deployDir]) {
  if (existsSync(dir)) fail(`${relative(root, dir)} exists already; pick another name or remove it`);
}
if (!existsSync(join(root, "sdk/dist/index.js"))) fail("the SDK is not built: run npm run build first");

const files = {
  "package.json": `${JSON.stringify(
    {
      name: packageName,
      version: "0.1.0",
      description,
      type: "module",
      license: "Apache-2.0",
      private: true,
      engines: { node: ">=20.19" },
      bin: { [bin]: "./dist/bin.js" },
      main: "./dist/index.js",
      types: "./dist/index.d.ts",
      exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } },
      scripts: { build: "tsc -p tsconfig.build.json" },
      dependencies: { "@platform-metrics/sdk": "0.1.0" },
    },
    null,
    2,
  )}\n`,
  "tsconfig.json": `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": ".", "noEmit": true },
  "include": ["src", "test"]
}
`,
  "tsconfig.build.json": `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist" },
  "include": ["src"]
}
`,
  "src/measurements.ts": `import { defineMeasurements } from "@platform-metrics/sdk";

/** What the collector writes: the README's table and the types of \`ctx.point\` come from here. */
export const measurements = defineMeasurements({
  ${measurement}: {
    description: "One point per target and round (replace with what the collector measures).",
    tags: { target: "what was measured" },
    fields: {
      value: { type: "float", description: "the reading" },
      ok: { type: "boolean", description: "whether the reading worked" },
    },
  },
});
`,
  "src/config.ts": `import { z } from "@platform-metrics/sdk";

/** The collector's own settings: each key is read from PM_<KEY>; the README's table is generated from them. */
export const configSchema = z.object({
  target: z.string().min(1).default("example").describe("what to measure"),
});

export type Config = z.output<typeof configSchema>;
`,
  "src/collect.ts": `import type { CollectContext } from "@platform-metrics/sdk";
import type { Config } from "./config.js";
import type { measurements } from "./measurements.js";

type Ctx = CollectContext<Config, undefined, typeof measurements>;

/** One round: read what the collector measures and write a point per reading. */
export function collectRound(ctx: Ctx): void {
  ctx.point("${measurement}").tag("target", ctx.config.target).float("value", 1).boolean("ok", true);
}
`,
  "src/collector.ts": `import { defineCollector } from "@platform-metrics/sdk";
import { collectRound } from "./collect.js";
import { configSchema } from "./config.js";
import { measurements } from "./measurements.js";

export default defineCollector({
  name: "${name}",
  description: ${JSON.stringify(description)},
  config: configSchema,
  interval: "30s",
  // Its health port: take the next free one of docs/ports.md into DEFAULT_HTTP_PORTS, then set
  // httpPort here; until then it listens on the port of "other" collectors.
  measurements,
  collect: collectRound,
});
`,
  "src/bin.ts": `#!/usr/bin/env node
import { runCollector } from "@platform-metrics/sdk";
import collector from "./collector.js";

await runCollector(collector);
`,
  "src/index.ts": `export { default } from "./collector.js";
export { measurements } from "./measurements.js";
`,
  "test/collector.test.ts": `import { collectOnce } from "@platform-metrics/sdk";
import { describe, expect, it } from "vitest";
import collector from "../src/collector.js";

describe("${name}", () => {
  it("writes one reading per round, tagged with its target", async () => {
    const points = await collectOnce(collector, { target: "t1" });
    const reading = points.find((point) => point.measurement === "${measurement}");
    expect(reading?.tags).toMatchObject({ target: "t1", source: "${name}" });
    expect(reading?.fields.ok).toEqual({ type: "boolean", value: true });
  });

  it("refuses an empty target, naming the setting", async () => {
    await expect(collectOnce(collector, { target: "" })).rejects.toThrow(/target/);
  });
});
`,
  "README.md": `# ${name} collector

${description}.

## Running it

\`\`\`sh
npm run build
PM_SINK=stdout node_modules/.bin/${bin} --once      # line protocol on stdout
PM_NATS_URL=nats://nats:4222 node_modules/.bin/${bin}   # every 30 s into JetStream
\`\`\`

\`--help\` lists every setting, \`--version\` prints the version.

## Settings

<!-- config:start -->
<!-- config:end -->

## Deploying

[deploy/${name}](../../deploy/${name}/) runs it as a Deployment with its own ServiceAccount and a
NATS user that may publish only to \`metrics.<org>.${name}\`.

## Measurements

<!-- metrics:start -->
<!-- metrics:end -->
`,
};

const labels = `{ app.kubernetes.io/name: ${bin}, app.kubernetes.io/part-of: platform-metrics }`;
const deployFiles = {
  "kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: platform-metrics
resources:
  - serviceaccount.yaml
  - deployment.yaml
  - pdb.yaml
`,
  "serviceaccount.yaml": `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${bin}
  labels: ${labels}
`,
  "pdb.yaml": `# One replica: the budget allows a drain to move it instead of blocking the node.
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${bin}
  labels: ${labels}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: { app.kubernetes.io/name: ${bin} }
`,
  "deployment.yaml": `# ${bin}: ${description}.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${bin}
  labels: ${labels}
spec:
  replicas: 1
  strategy: { type: Recreate }
  selector:
    matchLabels: { app.kubernetes.io/name: ${bin} }
  template:
    metadata:
      labels: ${labels}
    spec:
      serviceAccountName: ${bin}
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile: { type: RuntimeDefault }
      containers:
        - name: collector
          image: platform-metrics/${name}:0.1.0
          env:
            - { name: PM_NATS_URL, value: "nats://nats:4222" }
            - { name: PM_NATS_USER, value: ${name} }
            - name: PM_NATS_PASSWORD
              valueFrom: { secretKeyRef: { name: pm-nats-users, key: ${name} } }
            - { name: PM_SPOOL_DIR, value: /spool }
            - name: PM_POD_NAME
              valueFrom: { fieldRef: { fieldPath: metadata.name } }
            - name: PM_POD_NAMESPACE
              valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
            - name: PM_NODE_NAME
              valueFrom: { fieldRef: { fieldPath: spec.nodeName } }
          ports:
            - { name: health, containerPort: 9479 } # PM_HTTP_PORT; use the port you register in docs/ports.md
          readinessProbe:
            httpGet: { path: /readyz, port: health }
            periodSeconds: 10
          livenessProbe:
            httpGet: { path: /healthz, port: health }
            periodSeconds: 10
            failureThreshold: 3
          resources:
            requests: { cpu: 10m, memory: 48Mi }
            limits: { memory: 96Mi }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
          volumeMounts:
            - { name: spool, mountPath: /spool }
      terminationGracePeriodSeconds: 15 # > PM_SHUTDOWN_TIMEOUT (10 s)
      volumes:
        - { name: spool, emptyDir: {} }
`,
};

writeAll(pkgDir, files);
writeAll(deployDir, deployFiles);
addToLock();
linkPackage();
build();
linkBin();
await writeReadmeTables();

process.stdout.write(`created ${relative(root, pkgDir)}/ and ${relative(root, deployDir)}/, built and linked:
  npx ${bin} --once            (PM_SINK=stdout prints its points)
  npx vitest run ${relative(root, pkgDir)}
Next:
  - write src/measurements.ts, src/config.ts and src/collect.ts (sub-folders for the source it reads)
  - take the next free port of docs/ports.md into sdk/src/runtime/ports.ts and set httpPort
  - deploy: add deploy/${name} to deploy/overlays, a NATS user in deploy/nats/auth.conf (publish
    metrics.<org>.${name}, subscribe _INBOX.>) and its password in the secrets; npx vitest run deploy
  - npm run docs, and commit package-lock.json with the rest
`);

function writeAll(dir, entries) {
  for (const [file, text] of Object.entries(entries)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
}

/** The entries npm writes for a workspace, so `npm ci` stays in sync and link-bins sees the bin. */
function addToLock() {
  const lockPath = join(root, "package-lock.json");
  const lock = JSON.parse(readFileSync(lockPath, "utf8"));
  const folder = `collectors/${name}`;
  const manifest = JSON.parse(files["package.json"]);
  let entries = Object.entries(lock.packages);
  entries = insertSorted(entries, folder, {
    name: packageName,
    version: manifest.version,
    license: manifest.license,
    dependencies: manifest.dependencies,
    bin: { [bin]: "dist/bin.js" },
    engines: manifest.engines,
  });
  entries = insertSorted(entries, `node_modules/${packageName}`, { resolved: folder, link: true });
  lock.packages = Object.fromEntries(entries);
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
}

/** Inserts before the first key of the same group (workspace folders, node_modules) that sorts after it. */
function insertSorted(entries, key, value) {
  const group = (k) => (k === "" ? 0 : k.startsWith("node_modules/") ? 2 : 1);
  let at = entries.findIndex(([k]) => group(k) > group(key) || (group(k) === group(key) && k > key));
  if (at === -1) at = entries.length;
  return [...entries.slice(0, at), [key, value], ...entries.slice(at)];
}

function linkPackage() {
  const link = join(root, "node_modules", packageName);
  mkdirSync(dirname(link), { recursive: true });
  if (!isPresent(link)) symlinkSync(relative(dirname(link), pkgDir), link);
}

function build() {
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  const run = spawnSync(process.execPath, [tsc, "-p", join(pkgDir, "tsconfig.build.json")], {
    encoding: "utf8",
  });
  if (run.status !== 0) fail(`building ${relative(root, pkgDir)} failed:\n${run.stdout}${run.stderr}`);
}

function linkBin() {
  const binDir = join(root, "node_modules/.bin");
  const target = join(pkgDir, "dist/bin.js");
  mkdirSync(binDir, { recursive: true });
  chmodSync(target, 0o755);
  const link = join(binDir, bin);
  if (!isPresent(link)) symlinkSync(relative(binDir, target), link);
}

/** The README's settings and measurement tables, as `npm run docs` writes them. */
async function writeReadmeTables() {
  const sdk = await import(pathToFileURL(join(root, "sdk/dist/docs/index.js")).href);
  const collector = (await import(pathToFileURL(join(pkgDir, "dist/collector.js")).href)).default;
  const readmePath = join(pkgDir, "README.md");
  let readme = readFileSync(readmePath, "utf8");
  readme = sdk.replaceMetricsSection(readme, sdk.renderMeasurements(collector.measurements, 3));
  readme = sdk.replaceConfigSection(readme, sdk.renderConfig(collector));
  writeFileSync(readmePath, readme);
}

function isPresent(path) {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function fail(message) {
  process.stderr.write(`new-collector: ${message}\n`);
  process.exit(2);
}
