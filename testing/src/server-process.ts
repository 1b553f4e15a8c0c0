import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { trackChild } from "./cleanup.js";
import { waitUntilStopped } from "./process-state.js";

// Errors show the first lines (a usage text names the bad flag at its top) and the last ones.
const HEAD_LINES_KEPT = 10;
const TAIL_LINES_KEPT = 40;
const STOP_GRACE_MS = 10_000;

/** The server exited at start because its port was taken: the caller may retry. */
export class PortInUseError extends Error {
  override name = "PortInUseError";
}

export interface ServerProcessOptions {
  /** Says whether the server is up and is this process (not another one on the same port). */
  ready: () => Promise<boolean>;
  startTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** In a process group of its own: a Ctrl-C aimed at the caller's group does not reach it. */
  detached?: boolean;
}

/**
 * A server child process: started, waited on until `ready()` says yes (bounded), stopped with
 * SIGTERM or killed. Its first and last lines of output go into every error, so a failed start says why.
 */
export class ServerProcess {
  private child: ChildProcess | undefined;
  private head: string[] = [];
  private output: string[] = [];
  private dropped = 0;
  private exited: Promise<void> = Promise.resolve();
  private isPaused = false;

  constructor(
    readonly name: string,
    private readonly binary: string,
    private readonly args: string[],
    private readonly options: ServerProcessOptions,
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  get paused(): boolean {
    return this.child !== undefined && this.isPaused;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error(`${this.name} is already running (pid ${this.child.pid})`);
    this.head = [];
    this.output = [];
    this.dropped = 0;
    this.isPaused = false;
    const child = spawn(this.binary, this.args, {
      stdio: ["ignore", "pipe", "pipe"],
      ...(this.options.env ? { env: this.options.env } : {}),
      ...(this.options.detached ? { detached: true } : {}),
    });
    let failure: string | undefined;
    const exited = new Promise<void>((resolve) => {
      child.once("error", (error) => {
        failure ??= `could not be started: ${error.message}`;
        if (this.child === child) this.child = undefined;
        resolve();
      });
      child.once("exit", (code, signal) => {
        failure ??= `exited with ${code ?? signal}`;
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    this.exited = exited;
    if (child.pid === undefined) {
      await exited;
      throw new Error(`${this.name} (${this.binary}) ${failure}`);
    }
    trackChild(child);
    this.child = child;
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (!line) continue;
        if (this.head.length < HEAD_LINES_KEPT) this.head.push(line);
        else this.output.push(line);
      }
      if (this.output.length > TAIL_LINES_KEPT) {
        this.dropped += this.output.length - TAIL_LINES_KEPT;
        this.output.splice(0, this.output.length - TAIL_LINES_KEPT);
      }
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);

    const timeoutMs = this.options.startTimeoutMs ?? 20_000;
    const deadline = Date.now() + timeoutMs;
    let pause = 5;
    while (Date.now() < deadline) {
      if (failure !== undefined) {
        // The pipes may still hold the last words; they end right after the exit.
        await sleep(20);
        const message = `${this.name} ${failure} while starting:\n${this.tail()}`;
        throw /address already in use/i.test(this.tail()) ? new PortInUseError(message) : new Error(message);
      }
      if (await this.options.ready().catch(() => false)) return;
      await sleep(pause);
      pause = Math.min(pause * 2, 100);
    }
    await this.kill();
    throw new Error(`${this.name} not ready within ${timeoutMs} ms:\n${this.tail()}`);
  }

  /** SIGTERM, and wait for the exit (SIGKILL after 10 s). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGTERM");
    // A paused process only acts on SIGTERM once it runs again.
    if (this.isPaused) child.kill("SIGCONT");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL, and wait for the exit: a crash. */
  async kill(): Promise<void> {
    this.child?.kill("SIGKILL");
    await this.exited;
  }

  /** SIGSTOP, and wait until it took effect: connections stay open, nothing answers (a hung server). */
  async pause(): Promise<void> {
    const child = this.child;
    if (!child?.pid) throw new Error(`${this.name} is not running, so it cannot be paused`);
    child.kill("SIGSTOP");
    this.isPaused = true;
    await waitUntilStopped(child.pid, true, this.name);
  }

  /** SIGCONT after pause(), and wait until it runs. */
  async resume(): Promise<void> {
    const child = this.child;
    if (!child?.pid) throw new Error(`${this.name} is not running, so it cannot be resumed`);
    child.kill("SIGCONT");
    this.isPaused = false;
    await waitUntilStopped(child.pid, false, this.name);
  }

  /** The first and last lines the server wrote (stdout and stderr). */
  tail(): string {
    const gap = this.dropped > 0 ? [`[... ${this.dropped} lines left out ...]`] : [];
    return [...this.head, ...gap, ...this.output].join("\n");
  }
}
