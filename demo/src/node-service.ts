import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { trackChild } from "@platform-metrics/testing";
import { REPO_ROOT } from "./layout.js";

/** How long a stopped service may take to finish (flush, close) before it is killed. */
const STOP_GRACE_MS = 15_000;

/** The built executable behind a bin name that `npm run build` links into node_modules/.bin. */
export function binPath(bin: string): string {
  const link = join(REPO_ROOT, "node_modules", ".bin", bin);
  if (!existsSync(link)) throw new Error(`${bin} is not built: ${link} is missing (run npm run build)`);
  return realpathSync(link);
}

export interface NodeServiceOptions {
  name: string;
  bin: string;
  env: Record<string, string>;
  port: number;
  logFile: string;
}

/**
 * One of the pipeline's own services (relay, gateway, a collector) as its own process, run as a pod
 * runs it: the built bin, configured by PM_* variables only, its log in a file. It has a process
 * group of its own, so the demo stops it in order on Ctrl-C; the testing watchdog kills it if the
 * demo itself dies.
 */
export class NodeService {
  readonly child: ChildProcess;
  /** The exit code (or signal) once it exited. */
  exit: string | undefined;
  readonly exited: Promise<void>;
  private stopping = false;

  constructor(readonly options: NodeServiceOptions) {
    const log = openSync(options.logFile, "w");
    try {
      this.child = spawn(process.execPath, [binPath(options.bin)], {
        // Only what the service needs: a PM_* variable of the caller's shell must not change the demo.
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
        stdio: ["ignore", log, log],
        detached: true,
      });
    } finally {
      closeSync(log);
    }
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exit = String(code ?? signal);
        resolve();
      });
      this.child.once("error", (error) => {
        this.exit = error.message;
        resolve();
      });
    });
    trackChild(this.child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** True once stop() was called: its exit is expected. */
  get stopRequested(): boolean {
    return this.stopping;
  }

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  /**
   * Polls /readyz until it answers 200; false when the process exits first, `giveUp` says so, or
   * `boundMs` passes.
   */
  async waitReady(boundMs: number, giveUp: () => boolean): Promise<boolean> {
    const deadline = Date.now() + boundMs;
    let pause = 50;
    while (this.running && !giveUp() && Date.now() < deadline) {
      try {
        const response = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2000) });
        await response.body?.cancel();
        if (response.status === 200) return true;
      } catch {
        // not listening yet
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 500);
    }
    return false;
  }

  /** The last lines of its log, for a message about a failed start. */
  logTail(lines = 8): string {
    try {
      return readFileSync(this.options.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }

  /** SIGTERM (a clean stop: flush and exit 0), SIGKILL if it takes longer than the grace time. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}
