import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@platform-metrics/sdk";
import type { ReadBuffer } from "../proc/read-buffer.js";
import { difference, readReapedChildren } from "../self-children.js";
import type { Counters } from "../tree.js";
import { OutputCapture } from "./capture.js";

export interface LaunchExit {
  /** The child's exit code, or 128 + signal number when a signal ended it (as shells report). */
  code: number;
  /** performance.now() when the exit was seen. */
  at: number;
  /** What the child's whole tree used, from our reaped-children counters; undefined if unknown. */
  used: Counters | undefined;
}

export interface Launched {
  command: readonly string[];
  pid: number | undefined;
  startedAt: number;
  exit: LaunchExit | undefined;
  child: ChildProcess;
  /** A copy of the command's stdout, when its results are read from there. */
  stdout: OutputCapture | undefined;
}

export interface LaunchOptions {
  procRoot: string;
  buffer: ReadBuffer;
  log: Logger;
  /** Where the child's stdout goes: ours, or our stderr when our stdout carries line protocol. */
  stdout: "inherit" | "stderr";
  /** Keep a copy of the command's stdout (it still reaches the same place). */
  captureStdout: boolean;
}

/** Starts the command; its exit (or a failure to start) is recorded on the returned object. */
export function launch(command: readonly string[], options: LaunchOptions): Launched {
  const { log, procRoot, buffer } = options;
  const before = readReapedChildren(procRoot, buffer);
  const destination = options.stdout === "stderr" ? process.stderr : process.stdout;
  const child = spawn(command[0]!, command.slice(1), {
    stdio: [
      "inherit",
      options.captureStdout ? "pipe" : options.stdout === "stderr" ? process.stderr : "inherit",
      "inherit",
    ],
  });
  const launched: Launched = {
    command,
    pid: child.pid,
    startedAt: performance.now(),
    exit: undefined,
    child,
    stdout: child.stdout ? new OutputCapture(child.stdout, destination) : undefined,
  };
  const recordExit = (code: number) => {
    if (launched.exit) return;
    const after = readReapedChildren(procRoot, buffer);
    launched.exit = {
      code,
      at: performance.now(),
      used: before && after ? difference(after, before) : undefined,
    };
  };
  child.once("error", (error: NodeJS.ErrnoException) => {
    // A started child reports later errors (a failed kill) here too; only a failure to start is an
    // exit, with the code a shell would give: 127 not found, 126 not executable.
    if (launched.pid !== undefined) return;
    log.error({ command: command[0], err: error.message }, "cannot start the command");
    recordExit(error.code === "ENOENT" ? 127 : 126);
  });
  child.once("exit", (code, signal) => {
    recordExit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
  });
  return launched;
}

/** At shutdown: asks the child to stop, then kills it after `graceMs`. */
export async function stopChild(launched: Launched, graceMs: number): Promise<void> {
  if (launched.exit || launched.pid === undefined) return;
  const exited = new Promise<void>((resolve) => launched.child.once("exit", () => resolve()));
  const cancel = new AbortController();
  const timer = sleep(graceMs, "timeout" as const, { signal: cancel.signal }).catch(
    () => "cancelled" as const,
  );
  launched.child.kill("SIGTERM");
  const first = await Promise.race([exited, timer]);
  cancel.abort();
  if (first === "timeout") {
    launched.child.kill("SIGKILL");
    await exited;
  }
}
