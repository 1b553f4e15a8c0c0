import { statfs } from "node:fs/promises";
import { describeFsError, VolumeError } from "./fs-errors.js";
import { formatSize } from "./size.js";

export interface Space {
  freeBytes: number;
  totalBytes: number;
}

/** Space left for unprivileged writes; undefined where the file system reports no capacity (ramfs). */
export async function freeSpace(path: string): Promise<Space | undefined> {
  let info: Awaited<ReturnType<typeof statfs>>;
  try {
    info = await statfs(path);
  } catch (error) {
    throw new VolumeError(`cannot read the free space: ${describeFsError(error, path)}`);
  }
  if (info.blocks === 0) return undefined;
  return { freeBytes: info.bavail * info.bsize, totalBytes: info.blocks * info.bsize };
}

export class NotEnoughSpaceError extends VolumeError {
  override name = "NotEnoughSpaceError";
}

/** Refuses before anything is written, rather than filling a volume someone depends on. */
export function ensureSpace(space: Space, needBytes: number, path: string, detail: string): void {
  if (space.freeBytes >= needBytes) return;
  throw new NotEnoughSpaceError(
    `not enough free space on ${path}: ${formatSize(space.freeBytes)} free, the probe needs ${formatSize(needBytes)} ` +
      `(${detail}); lower PM_FILE_SIZE or PM_FREE_SPACE_RESERVE, or free some space`,
  );
}
