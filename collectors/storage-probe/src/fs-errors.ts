export class VolumeError extends Error {
  override name = "VolumeError";
}

/** Turns an fs error into a sentence that names the path and what is wrong with it. */
export function describeFsError(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return `${path} does not exist`;
    case "ENOTDIR":
      return `${path} is not a directory (or a parent of it is not)`;
    case "EROFS":
      return `${path} is on a read-only file system (EROFS)`;
    case "EACCES":
    case "EPERM":
      return `${path} is not writable: permission denied (${code}) for uid ${process.getuid?.() ?? "?"}`;
    case "ENOSPC":
      return `no space left on the device of ${path} (ENOSPC)`;
    default:
      return `${path}: ${(error as Error).message}`;
  }
}
