import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MARKER_NAME, WorkDir } from "../src/workdir.js";
import { listTree, type TempDir, tempDir } from "./helpers.js";

describe("work directory", () => {
  let volume: TempDir;
  let workdir: WorkDir;
  beforeEach(async () => {
    volume = await tempDir();
    workdir = new WorkDir(volume.path, ".pm-storage-probe");
  });
  afterEach(() => volume.cleanup());

  it("creates its own sub-directory with a marker, and removes both when done", async () => {
    await writeFile(join(volume.path, "data.db"), "precious");
    expect(await workdir.prepare()).toEqual([]);
    expect(await listTree(volume.path)).toEqual([
      ".pm-storage-probe",
      `.pm-storage-probe/${MARKER_NAME}`,
      "data.db",
    ]);
    expect(JSON.parse(await readFile(join(workdir.path, MARKER_NAME), "utf8"))).toMatchObject({
      createdBy: "pm-collector-storage-probe",
      pid: process.pid,
    });
    await writeFile(workdir.fileFor("seq-read"), "test data");
    expect(await workdir.remove()).toEqual([]);
    expect(await listTree(volume.path)).toEqual(["data.db"]);
  });

  it("removes the files a killed run left, and nothing else", async () => {
    await workdir.prepare();
    await writeFile(workdir.fileFor("seq-write"), "left by a killed run");
    await writeFile(join(workdir.path, "pm-probe-direct-check"), "");
    await writeFile(join(workdir.path, "notes.txt"), "someone else's");

    const again = new WorkDir(volume.path, ".pm-storage-probe");
    expect((await again.prepare()).sort()).toEqual(["pm-probe-direct-check", "pm-probe-seq-write.dat"]);
    expect(await listTree(workdir.path)).toEqual([MARKER_NAME, "notes.txt"]);
    // The stranger's file keeps the directory, and the marker, in place.
    expect(await again.remove()).toEqual(["notes.txt"]);
    expect(await listTree(workdir.path)).toEqual([MARKER_NAME, "notes.txt"]);
  });

  it("never writes through or deletes a link planted under its file names", async () => {
    await workdir.prepare();
    const target = join(volume.path, "data.db");
    await writeFile(target, "precious");
    await symlink(target, workdir.fileFor("seq-write"));
    await expect(workdir.prepare()).rejects.toThrow(/pm-probe-seq-write\.dat is not a regular file/);
    expect(await readFile(target, "utf8")).toBe("precious");
  });

  it("refuses a directory of that name without its marker", async () => {
    await mkdir(workdir.path);
    await writeFile(join(workdir.path, "pm-probe-seq-read.dat"), "not ours");
    await expect(workdir.removeOwnFiles()).rejects.toThrow(/exists but was not created by the storage probe/);
    await expect(workdir.remove()).rejects.toThrow(/exists but was not created by the storage probe/);
    expect(await listTree(workdir.path)).toEqual(["pm-probe-seq-read.dat"]);
  });

  it("refuses a file where its directory should be", async () => {
    await writeFile(workdir.path, "a file");
    await expect(workdir.prepare()).rejects.toThrow(/\.pm-storage-probe exists and is not a directory/);
    expect(await readFile(workdir.path, "utf8")).toBe("a file");
  });
});
