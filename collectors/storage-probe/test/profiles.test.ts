import { collectOnce, type Point } from "@platform-metrics/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import storageProbe from "../src/collector.js";
import { DEFAULT_PROFILE_NAMES } from "../src/profiles.js";
import { FAST, listTree, type TempDir, tempDir } from "./helpers.js";

const num = (point: Point, field: string) => {
  const value = point.fields[field]?.value;
  if (value === undefined) throw new Error(`${point.measurement} has no field ${field}`);
  return Number(value);
};

/** What every measured direction must satisfy, whatever the machine. */
function expectSane(point: Point) {
  expect(num(point, "iops")).toBeGreaterThan(0);
  expect(num(point, "ios")).toBeGreaterThan(0);
  expect(num(point, "runtime_seconds")).toBeGreaterThan(0);
  expect(num(point, "lat_mean_ns")).toBeGreaterThan(0);
  expect(num(point, "lat_p50_ns")).toBeGreaterThan(0);
  expect(num(point, "lat_p50_ns")).toBeLessThanOrEqual(num(point, "lat_p99_ns"));
  expect(num(point, "lat_p99_ns")).toBeLessThanOrEqual(num(point, "lat_p999_ns"));
  expect(num(point, "errors")).toBe(0);
  if (point.tags.rw !== "sync") {
    expect(num(point, "bw_bytes")).toBeGreaterThan(0);
    expect(num(point, "io_bytes")).toBeGreaterThan(0);
    // io_bytes / runtime is the throughput fio reports (both rounded by fio).
    expect(num(point, "bw_bytes")).toBeCloseTo(num(point, "io_bytes") / num(point, "runtime_seconds"), -6);
  }
}

describe("default profiles with fio", () => {
  let volume: TempDir;
  beforeEach(async () => {
    volume = await tempDir();
  });
  afterEach(() => volume.cleanup());

  const expected: Record<string, { rw: string[]; block: number; direct: boolean }> = {
    "seq-read": { rw: ["read"], block: 1024 * 1024, direct: true },
    "seq-write": { rw: ["write"], block: 1024 * 1024, direct: true },
    "rand-read": { rw: ["read"], block: 4096, direct: true },
    "rand-write": { rw: ["write"], block: 4096, direct: true },
    fsync: { rw: ["write", "sync"], block: 4096, direct: false },
  };

  it.each(DEFAULT_PROFILE_NAMES)("measures %s and leaves nothing behind", async (name) => {
    const points = await collectOnce(storageProbe, { volumePath: volume.path, profiles: [name], ...FAST });
    const io = points.filter((p) => p.measurement === "storage_io");
    const want = expected[name]!;
    expect(io.map((p) => p.tags.rw)).toEqual(want.rw);
    for (const point of io) {
      expect(point.tags).toMatchObject({
        volume: volume.path.split("/").pop(),
        profile: name,
        engine: "fio",
        org: "platform",
        source: "storage-probe",
      });
      expect(point.fields.direct).toEqual({ type: "boolean", value: want.direct });
      expectSane(point);
      if (point.tags.rw !== "sync") {
        // Every operation moved one block.
        expect(num(point, "io_bytes")).toBe(num(point, "ios") * want.block);
      }
    }
    const [summary] = points.filter((p) => p.measurement === "storage_probe");
    expect(summary!.fields.ok).toEqual({ type: "boolean", value: true });
    expect(summary!.fields.profiles_ok).toEqual({ type: "integer", value: 1n });
    expect(num(summary!, "free_bytes")).toBeGreaterThan(0);
    expect(summary!.fields.error).toBeUndefined();
    expect(await listTree(volume.path)).toEqual([]);
  });

  it("names the volume after PM_VOLUME_NAME when set", async () => {
    const points = await collectOnce(storageProbe, {
      volumePath: volume.path,
      volumeName: "pvc-data",
      profiles: ["rand-read"],
      ...FAST,
    });
    expect(new Set(points.map((p) => p.tags.volume))).toEqual(new Set(["pvc-data"]));
  });

  it("runs a profile defined in the config file", async () => {
    const points = await collectOnce(storageProbe, {
      volumePath: volume.path,
      profiles: [
        { name: "rand-64k", rw: "randread", bs: "64k", iodepth: 2, ioengine: "psync", runtime: "150ms" },
      ],
      ...FAST,
    });
    const [io] = points.filter((p) => p.measurement === "storage_io");
    expect(io!.tags.profile).toBe("rand-64k");
    expect(num(io!, "io_bytes")).toBe(num(io!, "ios") * 65536);
  });
});
