import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The version in the package.json nearest above `file` (a bin's own path, links resolved), for
 * `--version`; "unknown" when there is none. Read at run time, so a bundled bin needs no build step.
 */
export function packageVersion(file: string | undefined): string {
  if (!file) return "unknown";
  let dir: string;
  try {
    dir = dirname(realpathSync(file));
  } catch {
    return "unknown";
  }
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version?: unknown };
        if (typeof version === "string") return version;
      } catch {
        return "unknown";
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return "unknown";
    dir = parent;
  }
}
