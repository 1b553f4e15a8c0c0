import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The "exit" hook does not run when the test process is killed by a signal (a worker killed by
// the runner, SIGKILL, an OOM). A small shell outlives it: its stdin closes when this process dies,
// and it then kills the servers and removes the directories listed in the state file.
const SCRIPT = `trap '' INT TERM HUP
cat >/dev/null
if [ -f "$1" ]; then
  while IFS=' ' read -r kind value; do
    case "$kind" in
      pid) kill -9 "$value" 2>/dev/null ;;
      dir) rm -rf -- "$value" ;;
    esac
  done < "$1"
  rm -f -- "$1"
fi`;

let watchdog: ChildProcess | undefined;
const stateFile = join(tmpdir(), `pm-test-watchdog-${process.pid}-${randomBytes(4).toString("hex")}`);

/** Records what the watchdog must clean up if this process dies without running its exit hook. */
export function updateWatchdog(pids: Iterable<number>, dirs: Iterable<string>): void {
  const lines = [...[...pids].map((pid) => `pid ${pid}`), ...[...dirs].map((dir) => `dir ${dir}`)];
  writeFileSync(stateFile, lines.length > 0 ? `${lines.join("\n")}\n` : "");
  if (!watchdog) startWatchdog();
}

/** Called from the exit hook once everything is cleaned up: the watchdog then has nothing to do. */
export function dismissWatchdog(): void {
  rmSync(stateFile, { force: true });
}

function startWatchdog(): void {
  // Detached: a Ctrl-C or a group kill aimed at the test run must not take the watchdog with it.
  const child = spawn("/bin/sh", ["-c", SCRIPT, "pm-test-watchdog", stateFile], {
    stdio: ["pipe", "ignore", "ignore"],
    detached: true,
  });
  child.on("error", () => {
    // Without /bin/sh there is no watchdog; the exit hook still cleans up after a normal exit.
  });
  child.stdin?.on("error", () => {});
  // Neither the process nor its pipe may keep the test process alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  watchdog = child;
}
