import { readdirSync } from "node:fs";
import { parseStat } from "./parse-stat.js";
import { type ReadBuffer, readOnce } from "./read-buffer.js";

/** Every pid under <procRoot>; an unreadable root gives an empty list. */
export function listPids(procRoot: string): number[] {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid > 0 && String(pid) === name) pids.push(pid);
  }
  return pids;
}

/** Parent pid of every process not in `known`, from each one's stat; processes that vanish are skipped. */
export function scanParents(
  procRoot: string,
  buffer: ReadBuffer,
  known: ReadonlySet<number>,
): Map<number, number> {
  const parents = new Map<number, number>();
  for (const pid of listPids(procRoot)) {
    if (known.has(pid)) continue;
    try {
      const length = readOnce(`${procRoot}/${pid}/stat`, buffer);
      const stat = parseStat(buffer.bytes, length);
      if (stat) parents.set(pid, stat.ppid);
    } catch {
      // Gone between the listing and the read, or not ours to read: not part of the tree.
    }
  }
  return parents;
}

/**
 * Processes whose parent is in `tree` (directly or through others found in the same scan): the
 * fallback when /proc/<pid>/task/<tid>/children is not available.
 */
export function descendantsByScan(procRoot: string, buffer: ReadBuffer, tree: ReadonlySet<number>): number[] {
  const parents = scanParents(procRoot, buffer, tree);
  const inTree = new Set(tree);
  const found: number[] = [];
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (inTree.has(ppid) && !inTree.has(pid)) {
        inTree.add(pid);
        found.push(pid);
        grew = true;
      }
    }
  }
  return found;
}

/** The command line of a process with NULs as spaces; undefined when unreadable or empty (kernel threads). */
export function readCmdline(procRoot: string, pid: number, buffer: ReadBuffer): string | undefined {
  try {
    const length = readOnce(`${procRoot}/${pid}/cmdline`, buffer);
    const text = buffer.bytes.toString("utf8", 0, length).replace(/\0+$/, "").replaceAll("\0", " ");
    return text === "" ? undefined : text;
  } catch {
    return undefined;
  }
}

/** Start time (clock ticks after boot) and parent of a process, or undefined when it is gone. */
export function readStartAndParent(
  procRoot: string,
  pid: number,
  buffer: ReadBuffer,
): { startTime: number; ppid: number } | undefined {
  try {
    const length = readOnce(`${procRoot}/${pid}/stat`, buffer);
    const stat = parseStat(buffer.bytes, length);
    return stat ? { startTime: stat.startTime, ppid: stat.ppid } : undefined;
  } catch {
    return undefined;
  }
}
