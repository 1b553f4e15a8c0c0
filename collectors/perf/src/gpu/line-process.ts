import { type ChildProcess, spawn } from "node:child_process";
import type { Logger } from "@platform-metrics/sdk";

export interface LineProcessOptions {
  /** For log messages, e.g. "nvidia-smi --query-gpu". */
  name: string;
  command: string;
  args: string[];
  log: Logger;
  /** Gets each line; returns whether it was a good line (a good line resets the restart backoff). */
  onLine(line: string): boolean;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

const MAX_LINE = 64 * 1024;

/**
 * A long-running child that prints one record per line (nvidia-smi in loop mode). If it dies it
 * is started again after a backoff that doubles while it keeps dying without printing a good
 * line; the first death is a warning, later ones are debug logs.
 */
export class LineProcess {
  private child: ChildProcess | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private goodSinceStart = false;
  private warned = false;
  private exited: Promise<void> = Promise.resolve();
  starts = 0;

  constructor(private readonly options: LineProcessOptions) {
    this.backoffMs = options.minBackoffMs ?? 1000;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  start(): void {
    if (this.stopped || this.child) return;
    const { command, args } = this.options;
    this.starts++;
    this.goodSinceStart = false;
    let stderr = "";
    let partial = "";
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      partial += chunk;
      let newline = partial.indexOf("\n");
      while (newline !== -1) {
        this.line(partial.slice(0, newline));
        partial = partial.slice(newline + 1);
        newline = partial.indexOf("\n");
      }
      if (partial.length > MAX_LINE) partial = "";
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-500);
    });
    let ended = false;
    this.exited = new Promise<void>((resolve) => {
      const end = (detail: string) => {
        if (ended) return;
        ended = true;
        if (this.child === child) this.child = undefined;
        resolve();
        this.died(`${detail}${stderr.trim() ? `: ${stderr.trim()}` : ""}`);
      };
      child.once("error", (error) => end(error.message));
      child.once("close", (code, signal) => end(signal ? `killed by ${signal}` : `exited with code ${code}`));
    });
  }

  async stop(graceMs = 2000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const child = this.child;
    if (!child) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(killer);
  }

  private line(raw: string): void {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") return;
    if (this.options.onLine(line)) this.goodSinceStart = true;
  }

  private died(detail: string): void {
    if (this.stopped) return;
    const { minBackoffMs = 1000, maxBackoffMs = 30_000, name, log } = this.options;
    const delay = this.goodSinceStart ? minBackoffMs : this.backoffMs;
    this.backoffMs = Math.min(delay * 2, maxBackoffMs);
    const message = `${name} stopped (${detail}); restarting in ${delay} ms`;
    if (this.warned) log.debug(message);
    else log.warn(`${message} (warned once; later restarts are logged at debug)`);
    this.warned = true;
    this.timer = setTimeout(() => this.start(), delay);
    this.timer.unref();
  }
}
