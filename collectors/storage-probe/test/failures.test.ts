import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { collectOnce } from "@platform-metrics/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import storageProbe from "../src/collector.js";
import {
  FAST,
  FIXTURES,
  fakeFio,
  fioProcessesUnder,
  listTree,
  type TempDir,
  tempDir,
  tryMount,
} from "./helpers.js";

describe("a volume the probe cannot use", () => {
  let scratch: TempDir;
  beforeEach(async () => {
    scratch = await tempDir();
  });
  afterEach(() => scratch.cleanup());

  it("fails the round with a clear error when the directory does not exist", async () => {
    const missing = join(scratch.path, "not-mounted");
    await expect(collectOnce(storageProbe, { volumePath: missing, ...FAST })).rejects.toThrow(
      `volume path ${missing} does not exist; is the volume mounted?`,
    );
    expect(await listTree(scratch.path)).toEqual([]);
  });

  it("fails the round when the volume path is a file, not a directory", async () => {
    const file = join(scratch.path, "a-file");
    await writeFile(file, "keep me");
    await expect(collectOnce(storageProbe, { volumePath: file, ...FAST })).rejects.toThrow(
      `volume path ${file} is not a directory`,
    );
    expect(await readFile(file, "utf8")).toBe("keep me");
  });

  // Tests run as root here, and chmod 0555 does not stop root: a read-only bind mount does.
  it("fails the round when the directory is read-only", async (test) => {
    const volume = join(scratch.path, "ro");
    await mkdir(volume);
    await writeFile(join(volume, "data.db"), "precious");
    const unmount = tryMount(volume, "ro-bind");
    // Skipped only where mount(2) is refused (not root, or no CAP_SYS_ADMIN in the container): there is
    // no other way to make a directory read-only for root. As root here and in CI, it runs.
    if (!unmount) test.skip("cannot mount here (needs root with CAP_SYS_ADMIN)");
    try {
      await expect(collectOnce(storageProbe, { volumePath: volume, ...FAST })).rejects.toThrow(
        /volume path .*\/ro is on a read-only file system \(EROFS\); the probe must write its test files there/,
      );
    } finally {
      unmount!();
    }
    expect(await listTree(volume)).toEqual(["data.db"]);
  });

  it("refuses to start writing when the profiles need more space than is free", async () => {
    await writeFile(join(scratch.path, "data.db"), "precious");
    await expect(
      collectOnce(storageProbe, { volumePath: scratch.path, ...FAST, fileSize: "1000TiB" }),
    ).rejects.toThrow(
      /not enough free space on .*: .* free, the probe needs 1000 TiB \(largest test file 1000 TiB \+ reserve 0 B\); lower PM_FILE_SIZE/,
    );
    expect(await listTree(scratch.path)).toEqual(["data.db"]);
  });

  it("refuses a work directory it did not create, and touches nothing in it", async () => {
    const foreign = join(scratch.path, ".pm-storage-probe");
    await mkdir(foreign);
    await writeFile(join(foreign, "pm-probe-seq-read.dat"), "not ours");
    await expect(collectOnce(storageProbe, { volumePath: scratch.path, ...FAST })).rejects.toThrow(
      /\.pm-storage-probe exists but was not created by the storage probe \(no \.pm-storage-probe-owner\); refusing to touch it/,
    );
    expect(await readFile(join(foreign, "pm-probe-seq-read.dat"), "utf8")).toBe("not ours");
  });

  it("measures with buffered I/O where O_DIRECT is refused (ramfs), and says so", async (test) => {
    const volume = join(scratch.path, "ramfs");
    await mkdir(volume);
    const unmount = tryMount(volume, "ramfs");
    // Skipped only where mount(2) is refused: ramfs is the file system at hand that refuses O_DIRECT,
    // and only a mount makes one. As root here and in CI, it runs.
    if (!unmount) test.skip("cannot mount ramfs here (needs root with CAP_SYS_ADMIN)");
    try {
      const points = await collectOnce(storageProbe, {
        volumePath: volume,
        profiles: ["rand-read"],
        ...FAST,
      });
      const io = points.find((p) => p.measurement === "storage_io")!;
      expect(io.fields.direct).toEqual({ type: "boolean", value: false });
      expect(Number(io.fields.iops!.value)).toBeGreaterThan(0);
      const summary = points.find((p) => p.measurement === "storage_probe")!;
      expect(summary.fields.direct).toEqual({ type: "boolean", value: false });
      expect(summary.fields.ok).toEqual({ type: "boolean", value: true });
      // ramfs reports no capacity, so there is nothing to check or report.
      expect(summary.fields.free_bytes).toBeUndefined();
      expect(await listTree(volume)).toEqual([]);
    } finally {
      unmount!();
    }
  });
});

describe("fio that fails", () => {
  let volume: TempDir;
  beforeEach(async () => {
    volume = await tempDir();
  });
  afterEach(() => volume.cleanup());

  it("reports fio's own reason when a job fails", async () => {
    const run = collectOnce(storageProbe, {
      volumePath: volume.path,
      profiles: [{ name: "bad-engine", rw: "read", bs: "4k", ioengine: "no_such_engine" }, "rand-read"],
      ...FAST,
    });
    await expect(run).rejects.toThrow(/bad-engine: fio exited with code 1: .*no_such_engine/);
    expect(await listTree(volume.path)).toEqual([]);
  });

  it("kills fio that runs past PM_FIO_TIMEOUT and removes its files", async () => {
    const run = collectOnce(storageProbe, {
      volumePath: volume.path,
      profiles: ["seq-write"],
      ...FAST,
      runtime: "30s",
      fioTimeout: "1s",
    });
    await expect(run).rejects.toThrow(/seq-write: fio timed out after 1000 ms and was killed/);
    expect(await fioProcessesUnder(volume.path)).toEqual([]);
    expect(await listTree(volume.path)).toEqual([]);
  });

  it("refuses output that is not JSON", async () => {
    const tools = await tempDir();
    try {
      const fioPath = await fakeFio(tools.path, "Segmentation fault? no: just text");
      await expect(
        collectOnce(storageProbe, { volumePath: volume.path, profiles: ["rand-read"], fioPath, ...FAST }),
      ).rejects.toThrow(/rand-read: fio printed no JSON document: "Segmentation fault\? no: just text"/);
    } finally {
      await tools.cleanup();
    }
  });

  it("refuses JSON that lacks the fields it needs, naming them", async () => {
    const tools = await tempDir();
    try {
      const doc = JSON.parse(await readFile(join(FIXTURES, "fio-3.33-rand-read.json"), "utf8"));
      delete doc.jobs[0].read.runtime;
      const fioPath = await fakeFio(tools.path, JSON.stringify(doc, null, 2));
      await expect(
        collectOnce(storageProbe, { volumePath: volume.path, profiles: ["rand-read"], fioPath, ...FAST }),
      ).rejects.toThrow(/rand-read: fio JSON is not in the expected shape: jobs\[0\]\.read\.runtime/);
    } finally {
      await tools.cleanup();
    }
  });

  it("stops at start when PM_ENGINE=fio and fio is missing", async () => {
    await expect(
      collectOnce(storageProbe, {
        volumePath: volume.path,
        engine: "fio",
        fioPath: "/nonexistent/fio",
        ...FAST,
      }),
    ).rejects.toThrow(
      /PM_ENGINE=fio, but fio cannot run: cannot run fio at "\/nonexistent\/fio": no such file/,
    );
  });
});

describe("configuration", () => {
  it.each([
    [{ profiles: ["seq-read", "nope"] }, /profiles\[1\]: unknown profile "nope"; expected one of seq-read,/],
    [{ profiles: [{ name: "x", rw: "sideways", bs: "4k" }] }, /profiles\[0\]: rw: Invalid option/],
    [{ profiles: "seq-read,seq-read" }, /profile "seq-read" is listed twice/],
    [{ fileSize: "lots" }, /fileSize: expected a size such as 4k, 64MiB/],
    [{ runtime: "10ms" }, /runtime: expected a duration in 100ms\.\.any/],
    [{ ioengine: "libaio --exec_prerun=rm" }, /ioengine: expected an fio ioengine name/],
    [{ workDirName: ".." }, /workDirName: expected a plain directory name/],
    [{ workDirName: "a/b" }, /workDirName: expected a plain directory name/],
  ])("refuses %j", async (bad, message) => {
    await expect(collectOnce(storageProbe, { volumePath: "/tmp", ...bad })).rejects.toThrow(message);
  });

  it("refuses a file smaller than its blocks", async () => {
    await expect(
      collectOnce(storageProbe, { volumePath: "/tmp", fileSize: "512k", profiles: ["seq-read"] }),
    ).rejects.toThrow(
      /profile seq-read: its file \(524288 bytes, PM_FILE_SIZE\) is smaller than its block size/,
    );
  });
});
