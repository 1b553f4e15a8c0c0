import { readdirSync } from "node:fs";
import { parseIo } from "./proc/parse-io.js";
import { parseStat } from "./proc/parse-stat.js";
import { type ReadBuffer, readOnce } from "./proc/read-buffer.js";
import type { Counters } from "./tree.js";

function readIo(path: string, buffer: ReadBuffer) {
  return parseIo(buffer.bytes, readOnce(path, buffer));
}

/**
 * What this process's reaped children used, from our own /proc entries: cutime/cstime, and the
 * I/O the kernel folded into our /proc/self/io (the whole-process count minus each live thread's
 * own). In launch mode the difference across the child's life is exactly what its tree used,
 * including the last moments no sample saw. Undefined when /proc cannot tell.
 */
export function readReapedChildren(procRoot: string, buffer: ReadBuffer): Counters | undefined {
  try {
    const self = `${procRoot}/${process.pid}`;
    const stat = parseStat(buffer.bytes, readOnce(`${self}/stat`, buffer));
    const whole = readIo(`${self}/io`, buffer);
    if (!stat || !whole) return undefined;
    let ownRead = 0;
    let ownWrite = 0;
    for (const tid of readdirSync(`${self}/task`)) {
      const io = readIo(`${self}/task/${tid}/io`, buffer);
      ownRead += io?.readBytes ?? 0;
      ownWrite += io?.writeBytes ?? 0;
    }
    return {
      userTicks: stat.cutime,
      systemTicks: stat.cstime,
      readBytes: Math.max(0, whole.readBytes - ownRead),
      writeBytes: Math.max(0, whole.writeBytes - ownWrite),
    };
  } catch {
    return undefined;
  }
}

export function difference(after: Counters, before: Counters): Counters {
  return {
    userTicks: Math.max(0, after.userTicks - before.userTicks),
    systemTicks: Math.max(0, after.systemTicks - before.systemTicks),
    readBytes: Math.max(0, after.readBytes - before.readBytes),
    writeBytes: Math.max(0, after.writeBytes - before.writeBytes),
  };
}
