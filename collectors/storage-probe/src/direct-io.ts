import { constants } from "node:fs";
import { open, unlink } from "node:fs/promises";
import { join } from "node:path";
import { describeFsError, VolumeError } from "./fs-errors.js";
import { FILE_PREFIX } from "./workdir.js";

export type DirectIoSupport = { supported: true } | { supported: false; reason: string };

/**
 * Opens a file with O_DIRECT in `dir`. Some file systems (ramfs, older tmpfs, some FUSE and
 * network mounts) refuse it with EINVAL; the probe then measures with buffered I/O.
 */
export async function checkDirectIo(dir: string): Promise<DirectIoSupport> {
  const flag = constants.O_DIRECT;
  if (flag === undefined) return { supported: false, reason: "O_DIRECT does not exist on this platform" };
  const file = join(dir, `${FILE_PREFIX}direct-check`);
  let created = false;
  try {
    // O_EXCL: never open through something that is already there.
    const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | flag, 0o600);
    created = true;
    await handle.close();
    return { supported: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EINVAL") {
      return { supported: false, reason: `the file system of ${dir} refuses O_DIRECT (EINVAL)` };
    }
    throw new VolumeError(`cannot create a test file: ${describeFsError(error, file)}`);
  } finally {
    if (created) await unlink(file).catch(() => {});
  }
}
