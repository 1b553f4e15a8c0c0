#!/usr/bin/env node
// Runs before `npm test` and `npm run bench` on a fresh clone: installs npm packages and the
// Debian packages whose real servers and tools the tests start. Plain Node, no dependencies.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// Debian package -> how to tell it is installed.
const debianPackages = [
  { pkg: "nats-server", present: () => findBinary("nats-server") },
  { pkg: "influxdb", present: () => findBinary("influxd") },
  // The `influx` 1.x CLI, a real client of the gateway's InfluxDB-compatible /query.
  { pkg: "influxdb-client", present: () => findBinary("influx") },
  { pkg: "fio", present: () => findBinary("fio") },
  { pkg: "python3-psutil", present: () => pythonHas("psutil") },
  { pkg: "chromium", present: () => existsSync("/usr/bin/chromium") },
  // Benchmark tools whose results the perf collector's run mode reads (its tests run them).
  { pkg: "hyperfine", present: () => findBinary("hyperfine") },
  { pkg: "g++", present: () => findBinary("g++") },
  { pkg: "libbenchmark-dev", present: () => existsSync("/usr/include/benchmark/benchmark.h") },
  { pkg: "python3-pytest", present: () => pythonHas("pytest") },
  { pkg: "python3-pytest-benchmark", present: () => pythonHas("pytest_benchmark") },
  { pkg: "golang-go", present: () => findBinary("go") },
  { pkg: "git", present: () => findBinary("git") },
  // The test Kubernetes API server's self-signed certificate (testing/src/kube-api/certificate.ts).
  { pkg: "openssl", present: () => findBinary("openssl") },
  // A real exporter whose /metrics the component-status collector's tests scrape (text and OpenMetrics).
  { pkg: "prometheus", present: () => existsSync("/usr/bin/prometheus") },
  // An exporter made with the Prometheus Python client: the tests' real OpenMetrics peer (Prometheus
  // 2.42 answers its own /metrics in Prometheus text only, whatever the Accept header).
  { pkg: "python3-prometheus-client", present: () => pythonHas("prometheus_client") },
];

function findBinary(name) {
  const dirs = `${process.env.PATH ?? ""}:/usr/sbin:/usr/bin:/sbin:/bin`.split(":");
  return dirs.some((dir) => dir && existsSync(join(dir, name)));
}

/** Whether Debian's python3 (the one its python3-* packages install into) can import `module`. */
function pythonHas(module) {
  if (!existsSync("/usr/bin/python3")) return false;
  return spawnSync("/usr/bin/python3", ["-c", `import ${module}`], { stdio: "ignore" }).status === 0;
}

function run(cmd, args) {
  console.log(`ensure-deps: ${cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, {
    stdio: "inherit",
    cwd: root,
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

const missing = debianPackages.filter((p) => !p.present()).map((p) => p.pkg);
if (missing.length > 0) {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot) {
    console.error(`ensure-deps: missing Debian packages: ${missing.join(" ")}`);
    console.error(`run: sudo apt-get update && sudo apt-get install -y ${missing.join(" ")}`);
    process.exit(1);
  }
  run("apt-get", ["update", "-q"]);
  run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing]);
}

// The deploy tests render the manifests with kubectl's built-in kustomize, which must be v5 or later.
// Neither registry this project reaches has one to install (Debian's kubernetes-client bundles
// kustomize v2); the machine image ships kubectl 1.32 (kustomize v5.5). Say so here, before the
// deploy tests fail with the same message.
function kustomizeMajor() {
  for (const kubectl of [
    process.env.KUBECTL,
    "kubectl",
    "/usr/bin/kubectl",
    "/usr/lib/google-cloud-sdk/bin/kubectl",
  ]) {
    if (!kubectl) continue;
    const out = spawnSync(kubectl, ["version", "--client", "-o", "json"], { encoding: "utf8" });
    if (out.status !== 0) continue;
    const major = /^v?(\d+)\./.exec(JSON.parse(out.stdout).kustomizeVersion ?? "")?.[1];
    if (major) return Number(major);
  }
  return undefined;
}
const kustomize = kustomizeMajor();
if (kustomize === undefined || kustomize < 5) {
  console.error(
    `ensure-deps: no kubectl with kustomize v5+ (${kustomize === undefined ? "no kubectl" : `kustomize v${kustomize}`}): ` +
      "the deploy tests (deploy/test) will fail. Install kubectl 1.27 or later, or set KUBECTL to one.",
  );
}

if (!existsSync(join(root, "node_modules", ".package-lock.json"))) {
  run("npm", ["ci", "--no-audit", "--no-fund"]);
}
