import { execFileSync } from "node:child_process";
import { closeSync, fstatSync, openSync, readFileSync, statfsSync } from "node:fs";

/** Units the kernel uses in /proc, asked once at start (getconf, as procps does). */
export interface HostUnits {
  /** Clock ticks per second for the times in /proc/<pid>/stat (USER_HZ, almost always 100). */
  clockTicks: number;
  pageSize: number;
}

function getconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync("getconf", [name], { encoding: "utf8", timeout: 5000 }).trim());
    return Number.isInteger(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

export function readHostUnits(): HostUnits {
  return { clockTicks: getconf("CLK_TCK", 100), pageSize: getconf("PAGESIZE", 4096) };
}

/** Seconds since boot from <procRoot>/uptime: the clock that process start times count on. */
export function readUptimeSeconds(procRoot: string): number | undefined {
  try {
    const value = Number.parseFloat(readFileSync(`${procRoot}/uptime`, "latin1"));
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const PROC_SUPER_MAGIC = 0x9fa0;

/**
 * Since Linux 6.2 the size of /proc/<pid>/fd is the number of open descriptors: one fstat instead
 * of listing the directory. Only trusted on a real procfs that reports it for this process.
 */
export function fdCountFromSize(procRoot: string): boolean {
  try {
    if (statfsSync(procRoot).type !== PROC_SUPER_MAGIC) return false;
    const fd = openSync(`${procRoot}/self/fd`, "r");
    try {
      return fstatSync(fd).size > 0;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}
