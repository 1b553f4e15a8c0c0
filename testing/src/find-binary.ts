import { accessSync, constants } from "node:fs";
import { join } from "node:path";

// Debian installs nats-server in /usr/sbin, which is not on every user's PATH.
const EXTRA_DIRS = ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/sbin"];

/** The absolute path of an executable, from PATH or the usual system directories. */
export function findBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? "").split(":"), ...EXTRA_DIRS];
  for (const dir of dirs) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here, or not executable
    }
  }
  throw new Error(
    `${name} not found on PATH or in ${EXTRA_DIRS.join(", ")}; npm test installs it (scripts/ensure-deps.mjs)`,
  );
}
