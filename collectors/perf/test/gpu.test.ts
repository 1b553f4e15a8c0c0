import { readFileSync } from "node:fs";
import { join } from "node:path";
import { collectOnce } from "@platform-metrics/sdk";
import { createLogger } from "@platform-metrics/sdk/service";
import { afterEach, describe, expect, it } from "vitest";
import collector from "../src/collector.js";
import { findExecutable } from "../src/gpu/find-executable.js";
import { GpuMonitor } from "../src/gpu/nvidia-smi.js";
import { cleanup, FAKE_NVIDIA_SMI, tempDir, waitFor } from "./helpers.js";

const monitors: GpuMonitor[] = [];
const savedEnv = { ...process.env };

afterEach(async () => {
  await Promise.all(monitors.splice(0).map((monitor) => monitor.stop()));
  for (const key of Object.keys(process.env)) if (key.startsWith("FAKE_SMI_")) delete process.env[key];
  Object.assign(process.env, savedEnv);
  cleanup();
});

function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const log = createLogger({
    name: "test",
    level: "debug",
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  return { log, warnings: () => lines.filter((line) => line.level === 40).map((line) => line.msg) };
}

function startMonitor(env: Record<string, string>, intervalMs = 100) {
  Object.assign(process.env, env);
  const { log, warnings } = capturingLogger();
  const monitor = new GpuMonitor({ executable: FAKE_NVIDIA_SMI, intervalMs, log });
  monitors.push(monitor);
  monitor.start();
  return { monitor, warnings };
}

describe("GPU readings from a long-running nvidia-smi", () => {
  it("reads every GPU, absent values for [N/A], and skips garbage lines with one warning", async () => {
    const { monitor, warnings } = startMonitor({});
    await waitFor(
      () => (monitor.gpus().length === 2 && monitor.garbageLines >= 2 ? true : undefined),
      10_000,
    );
    const [h100, a100] = monitor.gpus();
    expect(h100).toMatchObject({
      index: 0,
      uuid: "GPU-4f1c2a3b-1111-2222-3333-444455556666",
      name: "NVIDIA H100 80GB HBM3",
      memoryUsedMiB: 10240,
      memoryTotalMiB: 81559,
      powerWatts: 312.45,
      temperatureCelsius: 54,
    });
    expect(a100).toMatchObject({
      index: 1,
      utilizationPercent: undefined,
      powerWatts: undefined,
      memoryTotalMiB: 40960,
    });
    expect(warnings().filter((w) => w.includes("not the expected CSV"))).toHaveLength(1);
    // One process per query for the whole run, not one per sample.
    expect(monitor.starts).toEqual({ gpu: 1, apps: 1 });
  });

  it("restarts nvidia-smi when it dies, warning once", async () => {
    const log = join(tempDir(), "starts.log");
    const { monitor, warnings } = startMonitor({ FAKE_SMI_DIE_AFTER: "2", FAKE_SMI_LOG: log });
    await waitFor(() => (monitor.starts.gpu >= 3 ? true : undefined), 60_000, "two restarts");
    await waitFor(() => (monitor.gpus().length === 2 ? true : undefined), 30_000, "readings after a restart");
    const deaths = warnings().filter((w) => w.includes("--query-gpu stopped"));
    expect(deaths).toHaveLength(1);
    expect(deaths[0]).toMatch(/exited with code 1: Unable to determine the device handle/);
    // The third process may not have written its line yet when the monitor counts its start.
    const startsLogged = () =>
      readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l === "gpu").length;
    await waitFor(() => (startsLogged() >= 3 ? true : undefined), 30_000, "three starts in the fake's log");
  });

  it("lists the compute processes, and none when nvidia-smi prints none", async () => {
    const { monitor } = startMonitor({ FAKE_SMI_APP_PID: "4242" });
    const apps = await waitFor(() => monitor.computeApps(), 30_000, "compute apps");
    expect(apps).toContainEqual({
      gpuUuid: "GPU-4f1c2a3b-1111-2222-3333-444455556666",
      pid: 4242,
      usedMemoryMiB: 2048,
    });
    expect(apps).toContainEqual({
      gpuUuid: "GPU-9a8b7c6d-aaaa-bbbb-cccc-ddddeeeeffff",
      pid: 999999,
      usedMemoryMiB: undefined,
    });

    const quiet = startMonitor({ FAKE_SMI_APP_PID: "" }).monitor;
    const none = await waitFor(() => quiet.computeApps(), 30_000, "an empty listing");
    expect(none).toEqual([]);
  });

  it("stops its processes on stop()", async () => {
    const { monitor } = startMonitor({});
    await waitFor(() => (monitor.gpus().length > 0 ? true : undefined));
    await monitor.stop();
    expect(monitor.computeApps()).toBeUndefined();
  });

  it("writes no perf_gpu and no error when nvidia-smi does not exist", async () => {
    expect(findExecutable("no-such-nvidia-smi-here")).toBeUndefined();
    expect(findExecutable(FAKE_NVIDIA_SMI)).toBe(FAKE_NVIDIA_SMI);
    const points = await collectOnce(collector, { pid: process.pid, nvidiaSmi: "no-such-nvidia-smi-here" });
    expect(points.some((p) => p.measurement === "perf_gpu")).toBe(false);
    expect(points.some((p) => p.measurement === "perf_process")).toBe(true);
  });
});
