import { closeSync, fstatSync, openSync, readFileSync, statfsSync } from "node:fs";
import { endianness } from "node:os";

/** Units the kernel uses in /proc, asked once at start. */
export interface HostUnits {
  /** Clock ticks per second for the times in /proc/<pid>/stat (USER_HZ, almost always 100). */
  clockTicks: number;
  pageSize: number;
}

const AT_PAGESZ = 6;
const AT_CLKTCK = 17;
const WORD = ["arm", "ia32", "mips", "mipsel", "ppc"].includes(process.arch) ? 4 : 8;

/**
 * From our own auxiliary vector (/proc/self/auxv: pairs of machine words), where the kernel hands
 * every process the values sysconf(_SC_CLK_TCK) and sysconf(_SC_PAGESIZE) return: no getconf
 * process to start, and no child_process module to load.
 */
export function readHostUnits(auxvPath = "/proc/self/auxv"): HostUnits {
  const units = { clockTicks: 100, pageSize: 4096 };
  let auxv: Buffer;
  try {
    auxv = readFileSync(auxvPath);
  } catch {
    return units;
  }
  const little = endianness() === "LE";
  const word = (at: number) =>
    WORD === 8
      ? Number(little ? auxv.readBigUInt64LE(at) : auxv.readBigUInt64BE(at))
      : little
        ? auxv.readUInt32LE(at)
        : auxv.readUInt32BE(at);
  for (let at = 0; at + 2 * WORD <= auxv.length; at += 2 * WORD) {
    const type = word(at);
    if (type === 0) break;
    const value = word(at + WORD);
    if (!Number.isInteger(value) || value <= 0) continue;
    if (type === AT_CLKTCK) units.clockTicks = value;
    if (type === AT_PAGESZ) units.pageSize = value;
  }
  return units;
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
