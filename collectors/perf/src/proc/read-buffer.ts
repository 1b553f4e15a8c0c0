import { closeSync, openSync, readSync } from "node:fs";

/** Why a /proc file could not be read: the process is gone, or we may not look (no SYS_PTRACE). */
export type ReadFailure = "gone" | "denied" | "error";

export class ProcReadError extends Error {
  override name = "ProcReadError";
  constructor(
    readonly failure: ReadFailure,
    readonly path: string,
    readonly code: string | undefined,
  ) {
    super(`${path}: ${code ?? failure}`);
  }
}

export function failureOf(error: unknown): ReadFailure {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ESRCH") return "gone";
  if (code === "EACCES" || code === "EPERM") return "denied";
  return "error";
}

const MAX_BYTES = 4 * 1024 * 1024;

/**
 * One buffer reused for every read of a round: /proc files are small, and allocating per read is
 * what makes naive samplers slow. Grows when a file does not fit (a long children list).
 */
export class ReadBuffer {
  bytes: Buffer;

  constructor(size = 8192) {
    this.bytes = Buffer.allocUnsafe(size);
  }

  /** Reads the whole file behind `fd` from offset 0 (pread); returns its length. Throws fs errors. */
  pread(fd: number): number {
    for (;;) {
      const length = readSync(fd, this.bytes, 0, this.bytes.length, 0);
      if (length < this.bytes.length || this.bytes.length >= MAX_BYTES) return length;
      this.bytes = Buffer.allocUnsafe(this.bytes.length * 2);
    }
  }
}

/** A /proc file kept open: each later sample is one pread, not open+read+close. */
export class ProcFile {
  private fd: number | undefined;

  constructor(readonly path: string) {}

  /**
   * Reads the file into `buffer`; returns the length. Throws ProcReadError. An empty read counts
   * as "gone" unless `allowEmpty` (a children list may be empty; a stat file never is).
   */
  read(buffer: ReadBuffer, allowEmpty = false): number {
    try {
      this.fd ??= openSync(this.path, "r");
      const length = buffer.pread(this.fd);
      if (length === 0 && !allowEmpty) throw Object.assign(new Error("empty"), { code: "ESRCH" });
      return length;
    } catch (error) {
      throw new ProcReadError(failureOf(error), this.path, (error as NodeJS.ErrnoException).code);
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // Already closed by the kernel's view of a dead process; nothing to release.
    }
    this.fd = undefined;
  }
}

/** Reads a file once (open, read, close) into `buffer`; for scans of processes we do not follow. */
export function readOnce(path: string, buffer: ReadBuffer): number {
  const file = new ProcFile(path);
  try {
    return file.read(buffer);
  } finally {
    file.close();
  }
}
