import { describe, expect, it } from "vitest";
import { parseAppLine, parseGpuLine } from "../src/gpu/parse-csv.js";
import { parseIo } from "../src/proc/parse-io.js";
import { parseIntList } from "../src/proc/parse-numbers.js";
import { exitCodeOfWaitStatus, parseStat, parseStatm } from "../src/proc/parse-stat.js";
import { parseStatus } from "../src/proc/parse-status.js";

const bytes = (text: string) => {
  // Parsers read a reused buffer that may hold old bytes after the end: simulate that.
  const buffer = Buffer.alloc(text.length + 64, "9 ) ( x");
  buffer.write(text, 0, "latin1");
  return [buffer, text.length] as const;
};

const STAT =
  "4242 (my (odd) prog) S 4200 4242 4200 0 -1 4194560 120 0 0 0 150 25 300 40 20 0 3 0 98765 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

describe("parseStat", () => {
  it("reads the fields after a command name holding spaces and parentheses", () => {
    expect(parseStat(...bytes(STAT))).toEqual({
      comm: "my (odd) prog",
      state: "S",
      ppid: 4200,
      utime: 150,
      stime: 25,
      cutime: 300,
      cstime: 40,
      numThreads: 3,
      startTime: 98765,
      vsizeBytes: 123456789,
      rssPages: 2048,
      exitStatus: undefined,
    });
  });

  it("keeps the last command name when it is unchanged, and sees a changed one", () => {
    expect(parseStat(...bytes(STAT), "my (odd) prog")?.comm).toBe("my (odd) prog");
    expect(parseStat(...bytes(STAT), "my (odd) proh")?.comm).toBe("my (odd) prog");
    expect(parseStat(...bytes(STAT), "other")?.comm).toBe("my (odd) prog");
  });

  it("reads a zombie's wait status from field 52", () => {
    const zombie =
      "17350 (sh) Z 17349 17325 11394 0 -1 4227084 85 0 0 0 0 0 0 0 20 0 1 0 746436 0 0 18446744073709551615 0 0 0 0 0 0 0 6 65536 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 768\n";
    const stat = parseStat(...bytes(zombie))!;
    expect(stat.state).toBe("Z");
    expect(exitCodeOfWaitStatus(stat.exitStatus!)).toBe(3);
  });

  it("leaves exitStatus undefined for a live process, and for a zombie on kernels before 3.5", () => {
    expect(parseStat(...bytes(STAT.replace(") S ", ") R ")))?.exitStatus).toBeUndefined();
    const oldZombie = `${STAT.replace(") S ", ") Z ").split(" ").slice(0, 47).join(" ")}\n`;
    const stat = parseStat(...bytes(oldZombie));
    expect(stat?.state).toBe("Z");
    expect(stat?.exitStatus).toBeUndefined();
  });

  it("refuses text that is not a stat line", () => {
    expect(parseStat(...bytes(""))).toBeUndefined();
    expect(parseStat(...bytes("4242 (cut"))).toBeUndefined();
    expect(parseStat(...bytes("4242 (x) S 1 2 3"))).toBeUndefined();
    expect(
      parseStat(...bytes("4242 (x) S abc 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22")),
    ).toBeUndefined();
  });
});

describe("exitCodeOfWaitStatus", () => {
  it("gives the exit code, or 128 + signal for a killed process", () => {
    expect(exitCodeOfWaitStatus(0)).toBe(0);
    expect(exitCodeOfWaitStatus(7 << 8)).toBe(7);
    expect(exitCodeOfWaitStatus(15)).toBe(143);
    expect(exitCodeOfWaitStatus(9 | 0x80)).toBe(137);
  });
});

describe("status, io and children files", () => {
  it("tells voluntary from nonvoluntary context switches", () => {
    const status = "Name:\tx\nvoluntary_ctxt_switches:\t12\nnonvoluntary_ctxt_switches:\t3\n";
    expect(parseStatus(...bytes(status))).toMatchObject({
      voluntaryContextSwitches: 12,
      involuntaryContextSwitches: 3,
    });
    expect(parseStatus(...bytes("Name:\tx\n"))).toEqual({
      voluntaryContextSwitches: undefined,
      involuntaryContextSwitches: undefined,
      rssBytes: undefined,
      vmsBytes: undefined,
    });
  });

  it("reads the exact memory from status (VmRSS, VmSize) and statm", () => {
    const status =
      "Name:\tx\nVmPeak:\t  9000 kB\nVmSize:\t    5196 kB\nVmHWM:\t 5000 kB\nVmRSS:\t    4204 kB\n";
    expect(parseStatus(...bytes(status))).toMatchObject({ rssBytes: 4204 * 1024, vmsBytes: 5196 * 1024 });
    const memory = { rssPages: 0, vsizeBytes: 0 };
    expect(parseStatm(...bytes("1299 1051 763 193 0 318 0\n"), 4096, memory)).toBe(true);
    expect(memory).toEqual({ vsizeBytes: 1299 * 4096, rssPages: 1051 });
    expect(parseStatm(...bytes("garbage\n"), 4096, memory)).toBe(false);
  });

  it("reads storage-layer bytes, not rchar/wchar", () => {
    const io =
      "rchar: 999\nwchar: 888\nsyscr: 1\nsyscw: 2\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n";
    expect(parseIo(...bytes(io))).toEqual({ readBytes: 4096, writeBytes: 8192 });
    expect(parseIo(...bytes("rchar: 1\n"))).toBeUndefined();
  });

  it("lists children, also an empty list", () => {
    expect(parseIntList(...bytes("12 345 6789 "))).toEqual([12, 345, 6789]);
    expect(parseIntList(Buffer.alloc(4), 0)).toEqual([]);
  });
});

describe("nvidia-smi CSV", () => {
  it("reads a GPU line in the documented csv,noheader,nounits format", () => {
    expect(
      parseGpuLine(
        "0, GPU-4f1c2a3b-1111-2222-3333-444455556666, NVIDIA H100 80GB HBM3, 37, 10240, 81559, 312.45, 54",
      ),
    ).toEqual({
      index: 0,
      uuid: "GPU-4f1c2a3b-1111-2222-3333-444455556666",
      name: "NVIDIA H100 80GB HBM3",
      utilizationPercent: 37,
      memoryUsedMiB: 10240,
      memoryTotalMiB: 81559,
      powerWatts: 312.45,
      temperatureCelsius: 54,
    });
  });

  it("turns [N/A] and [Not Supported] into absent values and keeps the rest", () => {
    const gpu = parseGpuLine("1, GPU-9a8b, Tesla T4, [N/A], 0, 15360, [Not Supported], [Unknown Error]")!;
    expect(gpu.utilizationPercent).toBeUndefined();
    expect(gpu.powerWatts).toBeUndefined();
    expect(gpu.temperatureCelsius).toBeUndefined();
    expect(gpu.memoryTotalMiB).toBe(15360);
  });

  it("keeps a product name that holds a comma", () => {
    expect(parseGpuLine("2, GPU-1, Odd, Name, 1, 2, 3, 4.5, 6")?.name).toBe("Odd, Name");
  });

  it("refuses garbage: error messages, cut lines, words where numbers belong", () => {
    for (const line of [
      "Failed to initialize NVML: Driver/library version mismatch",
      "0, GPU-4f1c, NVIDIA H100 80GB",
      "x, GPU-1, H100, 1, 2, 3, 4, 5",
      "0, GPU-1, H100, busy, 2, 3, 4, 5",
      "0, [N/A], H100, 1, 2, 3, 4, 5",
      "",
    ]) {
      expect(parseGpuLine(line), line).toBeUndefined();
    }
  });

  it("reads compute-app lines and refuses broken ones", () => {
    expect(parseAppLine("GPU-4f1c, 4242, 2048")).toEqual({
      gpuUuid: "GPU-4f1c",
      pid: 4242,
      usedMemoryMiB: 2048,
    });
    expect(parseAppLine("GPU-4f1c, 4242, [N/A]")?.usedMemoryMiB).toBeUndefined();
    expect(parseAppLine("GPU-4f1c, -1, 20")).toBeUndefined();
    expect(parseAppLine("GPU-4f1c, 12ab, 20")).toBeUndefined();
    expect(parseAppLine("No running processes found")).toBeUndefined();
  });
});
