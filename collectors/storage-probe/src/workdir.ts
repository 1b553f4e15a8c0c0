import { constants } from "node:fs";
import { access, lstat, mkdir, readdir, readFile, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { describeFsError, VolumeError } from "./fs-errors.js";

/** Marks a directory as created by this probe; without it, the probe touches nothing there. */
export const MARKER_NAME = ".pm-storage-probe-owner";
const MARKER_TAG = "pm-collector-storage-probe";
/** Every file the probe writes starts with this; nothing else is ever deleted. */
export const FILE_PREFIX = "pm-probe-";

/**
 * The probe's own sub-directory of the volume. Only files named `pm-probe-*` in a directory that
 * holds the marker are ever deleted, so a wrong path or a shared directory loses nothing.
 */
export class WorkDir {
  readonly path: string;

  constructor(
    readonly volumePath: string,
    dirName: string,
  ) {
    this.path = join(volumePath, dirName);
  }

  fileFor(profile: string): string {
    return join(this.path, `${FILE_PREFIX}${profile}.dat`);
  }

  /** The volume exists, is a directory and can be written to. */
  async checkVolume(): Promise<void> {
    const volume = this.volumePath;
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(volume);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new VolumeError(`volume path ${volume} does not exist; is the volume mounted?`);
      }
      throw new VolumeError(`volume path: ${describeFsError(error, volume)}`);
    }
    if (!info.isDirectory()) throw new VolumeError(`volume path ${volume} is not a directory`);
    try {
      await access(volume, constants.W_OK);
    } catch (error) {
      throw new VolumeError(
        `volume path ${describeFsError(error, volume)}; the probe must write its test files there`,
      );
    }
  }

  /**
   * Makes the directory ready for a round: checks the volume, removes what an earlier run left
   * (a killed pod cannot clean up), and creates the directory with its marker. Returns the names of
   * removed leftovers.
   */
  async prepare(): Promise<string[]> {
    await this.checkVolume();
    const leftovers = await this.removeOwnFiles();
    try {
      await mkdir(this.path, { recursive: true, mode: 0o700 });
      if (!(await this.isMarked())) {
        await writeFile(
          join(this.path, MARKER_NAME),
          `${JSON.stringify({ createdBy: MARKER_TAG, host: hostname(), pid: process.pid, createdAt: new Date().toISOString() })}\n`,
          { flag: "wx", mode: 0o600 },
        );
      }
    } catch (error) {
      throw new VolumeError(`cannot create the work directory: ${describeFsError(error, this.path)}`);
    }
    return leftovers;
  }

  /**
   * Deletes the probe's files (`pm-probe-*`, regular files only). Refuses when the directory exists
   * but was not made by the probe. Returns the names removed.
   */
  async removeOwnFiles(): Promise<string[]> {
    const entries = await this.entries();
    if (entries === undefined) return [];
    if (!(await this.isMarked())) {
      throw new VolumeError(
        `${this.path} exists but was not created by the storage probe (no ${MARKER_NAME}); ` +
          "refusing to touch it: remove it or choose another PM_WORK_DIR_NAME",
      );
    }
    const removed: string[] = [];
    for (const name of entries) {
      if (!name.startsWith(FILE_PREFIX)) continue;
      const path = join(this.path, name);
      const info = await lstat(path).catch(() => undefined);
      if (!info) continue;
      if (!info.isFile()) {
        throw new VolumeError(
          `${path} is not a regular file; the probe will not write through it or delete it`,
        );
      }
      try {
        await unlink(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw new VolumeError(`cannot remove ${describeFsError(error, path)}`);
      }
      removed.push(name);
    }
    return removed;
  }

  /**
   * Removes the probe's files, its marker and the directory. Files someone else put there stay,
   * with the marker, and are returned.
   */
  async remove(): Promise<string[]> {
    if ((await this.entries()) === undefined) return [];
    await this.removeOwnFiles();
    const foreign = ((await this.entries()) ?? []).filter((name) => name !== MARKER_NAME);
    if (foreign.length > 0) return foreign;
    try {
      await unlink(join(this.path, MARKER_NAME));
      await rmdir(this.path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return [];
      if (code === "ENOTEMPTY" || code === "EEXIST") return (await this.entries()) ?? [];
      throw new VolumeError(`cannot remove the work directory: ${describeFsError(error, this.path)}`);
    }
    return [];
  }

  private async entries(): Promise<string[] | undefined> {
    try {
      const info = await lstat(this.path);
      if (!info.isDirectory()) {
        throw new VolumeError(`${this.path} exists and is not a directory; refusing to touch it`);
      }
      return await readdir(this.path);
    } catch (error) {
      if (error instanceof VolumeError) throw error;
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new VolumeError(`cannot read the work directory: ${describeFsError(error, this.path)}`);
    }
  }

  private async isMarked(): Promise<boolean> {
    try {
      return (await readFile(join(this.path, MARKER_NAME), "utf8")).includes(MARKER_TAG);
    } catch {
      return false;
    }
  }
}
