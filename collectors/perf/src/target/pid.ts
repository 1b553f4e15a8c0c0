import { existsSync } from "node:fs";

/** Checks that `pid` exists under procRoot; returns a message when it does not. */
export function checkPid(procRoot: string, pid: number): string | undefined {
  return existsSync(`${procRoot}/${pid}/stat`)
    ? undefined
    : `no process with pid ${pid} (${procRoot}/${pid}/stat does not exist)`;
}
