import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

const SETTLE_TIMEOUT_MS = 5_000;

/** The scheduler state letter of every thread of a process (Linux /proc), or undefined without /proc. */
function threadStates(pid: number): string[] | undefined {
  try {
    return readdirSync(`/proc/${pid}/task`).map(
      // The state follows the command name, which is in parentheses and may itself hold spaces.
      (tid) => readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").replace(/^.*\) /s, "")[0] ?? "?",
    );
  } catch {
    return undefined;
  }
}

/**
 * Waits until every thread of a process is stopped (`stopped: true`) or none is: kill() returns
 * before a signal has taken effect, and a busy machine can let a "paused" server answer a while.
 */
export async function waitUntilStopped(pid: number, stopped: boolean, name: string): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const states = threadStates(pid);
    if (states === undefined) return; // no /proc: the signal is all there is
    const settled = stopped ? states.every((s) => s === "T") : states.every((s) => s !== "T");
    if (settled) return;
    if (Date.now() > deadline)
      throw new Error(
        `${name} (pid ${pid}) did not ${stopped ? "stop" : "continue"} within ${SETTLE_TIMEOUT_MS} ms ` +
          `(thread states ${states.join("")})`,
      );
    await sleep(5);
  }
}
