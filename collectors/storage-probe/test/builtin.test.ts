import { collectOnce, type Point } from "@platform-metrics/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import storageProbe from "../src/collector.js";
import { DEFAULT_PROFILE_NAMES } from "../src/profiles.js";
import { FAST, listTree, type TempDir, tempDir } from "./helpers.js";

const num = (point: Point, field: string) => Number(point.fields[field]?.value ?? Number.NaN);

describe("built-in engine (no fio)", () => {
  let volume: TempDir;
  beforeEach(async () => {
    volume = await tempDir();
  });
  afterEach(() => volume.cleanup());

  it("measures every default profile when fio is missing, tagged engine=builtin", async () => {
    const points = await collectOnce(storageProbe, {
      volumePath: volume.path,
      fioPath: "/nonexistent/fio",
      ...FAST,
      runtime: "150ms",
    });
    const io = points.filter((p) => p.measurement === "storage_io");
    expect(io.map((p) => `${p.tags.profile}/${p.tags.rw}`)).toEqual([
      "seq-read/read",
      "seq-write/write",
      "rand-read/read",
      "rand-write/write",
      "fsync/write",
      "fsync/sync",
    ]);
    for (const point of io) {
      expect(point.tags.engine).toBe("builtin");
      expect(point.fields.direct).toEqual({ type: "boolean", value: false });
      expect(num(point, "iops")).toBeGreaterThan(0);
      expect(num(point, "lat_mean_ns")).toBeGreaterThan(0);
      expect(num(point, "lat_p50_ns")).toBeGreaterThan(0);
      expect(num(point, "lat_p50_ns")).toBeLessThanOrEqual(num(point, "lat_p99_ns"));
      expect(num(point, "lat_p99_ns")).toBeLessThanOrEqual(num(point, "lat_p999_ns"));
      expect(num(point, "runtime_seconds")).toBeGreaterThanOrEqual(0.15);
      if (point.tags.rw !== "sync") {
        const block = point.tags.profile!.startsWith("seq") ? 1024 * 1024 : 4096;
        expect(num(point, "io_bytes")).toBe(num(point, "ios") * block);
        expect(num(point, "bw_bytes")).toBeCloseTo(num(point, "io_bytes") / num(point, "runtime_seconds"), 0);
      }
    }
    // One fsync per write in the fsync profile.
    const fsync = io.filter((p) => p.tags.profile === "fsync");
    expect(num(fsync[1]!, "ios")).toBe(num(fsync[0]!, "ios"));
    const summary = points.find((p) => p.measurement === "storage_probe")!;
    expect(summary.tags.engine).toBe("builtin");
    expect(summary.fields.profiles_ok).toEqual({
      type: "integer",
      value: BigInt(DEFAULT_PROFILE_NAMES.length),
    });
    expect(await listTree(volume.path)).toEqual([]);
  });

  it("is used when asked for with PM_ENGINE=builtin, even with fio installed", async () => {
    const points = await collectOnce(storageProbe, {
      volumePath: volume.path,
      engine: "builtin",
      profiles: ["rand-write"],
      ...FAST,
    });
    expect(points.filter((p) => p.measurement === "storage_io").map((p) => p.tags.engine)).toEqual([
      "builtin",
    ]);
  });
});
