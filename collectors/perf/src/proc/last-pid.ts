import { statfsSync } from "node:fs";
import { parseIntAt } from "./parse-numbers.js";
import { ProcFile, type ReadBuffer } from "./read-buffer.js";

const PROC_SUPER_MAGIC = 0x9fa0;
const SPACE = 0x20;

/**
 * The last pid the kernel handed out in our pid namespace: the fifth field of /proc/loadavg
 * ("0.52 0.58 0.59 2/345 12345"). Every fork, clone and thread takes a new pid, so while it stays
 * the same no process can have been born, and the children lists need not be read again.
 * Undefined when <procRoot>/loadavg is not the kernel's own (a fixture directory, or a file that
 * lxcfs and the like mount over it and fill in themselves): then nothing is skipped.
 */
export class LastPid {
  private readonly file: ProcFile | undefined;

  constructor(
    procRoot: string,
    private readonly buffer: ReadBuffer,
  ) {
    const path = `${procRoot}/loadavg`;
    this.file = onProcfs(path) ? new ProcFile(path) : undefined;
  }

  read(): number | undefined {
    if (!this.file) return undefined;
    let length: number;
    try {
      length = this.file.read(this.buffer);
    } catch {
      return undefined;
    }
    const bytes = this.buffer.bytes;
    let end = length;
    while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === SPACE)) end--;
    let start = end;
    while (start > 0 && bytes[start - 1] !== SPACE) start--;
    return start === end ? undefined : parseIntAt(bytes, start, end);
  }

  close(): void {
    this.file?.close();
  }
}

function onProcfs(path: string): boolean {
  try {
    return statfsSync(path).type === PROC_SUPER_MAGIC;
  } catch {
    return false;
  }
}
