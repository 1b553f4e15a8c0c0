import type { ReadBuffer } from "../proc/read-buffer.js";
import { listPids, readCmdline, readStartAndParent } from "../proc/scan.js";

/** Our own pid and our ancestors': their command lines hold the pattern itself. */
export function selfAndAncestors(procRoot: string, buffer: ReadBuffer): Set<number> {
  const pids = new Set<number>([process.pid]);
  let pid = process.ppid;
  for (let hops = 0; hops < 64 && pid > 0 && !pids.has(pid); hops++) {
    pids.add(pid);
    pid = readStartAndParent(procRoot, pid, buffer)?.ppid ?? 0;
  }
  return pids;
}

/**
 * The oldest process whose command line (arguments joined by spaces) matches `pattern`, leaving
 * out `exclude`. Oldest, so that when a parent and its child both match, the tree is followed
 * from the top.
 */
export function findMatch(
  procRoot: string,
  buffer: ReadBuffer,
  pattern: RegExp,
  exclude: ReadonlySet<number>,
): number | undefined {
  let best: { pid: number; startTime: number } | undefined;
  for (const pid of listPids(procRoot)) {
    if (exclude.has(pid)) continue;
    const cmdline = readCmdline(procRoot, pid, buffer);
    if (cmdline === undefined || !pattern.test(cmdline)) continue;
    const info = readStartAndParent(procRoot, pid, buffer);
    if (!info) continue;
    if (!best || info.startTime < best.startTime || (info.startTime === best.startTime && pid < best.pid))
      best = { pid, startTime: info.startTime };
  }
  return best?.pid;
}
