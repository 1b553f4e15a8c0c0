import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { dismissWatchdog, updateWatchdog } from "./watchdog.js";

const children = new Set<ChildProcess>();
const dirs = new Set<string>();

// Whatever a test run leaves behind is killed and removed when the process exits, even after an
// uncaught error. A death by signal skips this hook: the watchdog covers that case.
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dismissWatchdog();
});

function sync(): void {
  const pids = [...children].map((child) => child.pid).filter((pid): pid is number => pid !== undefined);
  updateWatchdog(pids, dirs);
}

/** Kills `child` when this process exits, even when it dies by a signal (the watchdog does it then). */
export function trackChild(child: ChildProcess): void {
  if (child.pid === undefined) return;
  children.add(child);
  child.once("exit", () => {
    children.delete(child);
    sync();
  });
  sync();
}

export function trackDir(dir: string): void {
  dirs.add(dir);
  sync();
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
  sync();
}
