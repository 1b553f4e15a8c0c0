import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (demo/dist/ or demo/src/ is two levels down). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Where the demo keeps everything: `.pm-demo/` in the repository (git-ignored), or PM_DEMO_DIR. */
export function defaultDemoDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.PM_DEMO_DIR || join(REPO_ROOT, ".pm-demo"));
}

/** The fixed paths under the demo directory: the same on every run, so a second run finds the data. */
export interface Layout {
  root: string;
  nats: string;
  influx(replica: string): string;
  logs: string;
  log(service: string): string;
  spool(service: string): string;
  /** What a collector may keep between runs (a volume to probe, a kubeconfig). */
  work(service: string): string;
  gateway: string;
  /** Ports, pids and URLs of the running stack, for scripts and the end-to-end test. */
  stackFile: string;
}

export function layout(root: string): Layout {
  const at = (...parts: string[]) => join(root, ...parts);
  return {
    root,
    nats: at("nats"),
    influx: (replica) => at(`influxdb-${replica}`),
    logs: at("logs"),
    log: (service) => at("logs", `${service}.log`),
    spool: (service) => at("spool", service),
    work: (service) => at("work", service),
    gateway: at("gateway"),
    stackFile: at("stack.json"),
  };
}

/** Creates a directory (and its parents) and returns it. */
export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return path;
}
