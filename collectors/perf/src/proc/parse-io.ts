import { intAfter } from "./parse-numbers.js";

/**
 * Bytes from /proc/<pid>/io. `read_bytes`/`write_bytes` are what the process made the storage
 * layer fetch or dirty (page-cache misses and dirtied pages), not every read()/write() call
 * (`rchar`/`wchar`, which also count pipes, sockets and cached reads). The kernel adds the counts
 * of reaped children into their parent's, like cutime.
 */
export interface IoFields {
  readBytes: number;
  writeBytes: number;
}

export function parseIo(bytes: Buffer, length: number): IoFields | undefined {
  const readBytes = intAfter(bytes, length, "\nread_bytes:");
  const writeBytes = intAfter(bytes, length, "\nwrite_bytes:");
  if (readBytes === undefined || writeBytes === undefined) return undefined;
  return { readBytes, writeBytes };
}
