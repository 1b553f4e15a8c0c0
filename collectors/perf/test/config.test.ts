import { collectOnce } from "@platform-metrics/sdk";
import { afterEach, describe, expect, it } from "vitest";
import collector from "../src/collector.js";
import { cleanup, sh } from "./helpers.js";

afterEach(cleanup);

describe("settings", () => {
  it("refuses at start, naming the settings, when no target or several are given", async () => {
    await expect(collectOnce(collector, { gpu: false })).rejects.toThrow(
      /no target: give one of --pid N, --match REGEX or -- COMMAND/,
    );
    await expect(collectOnce(collector, { pid: process.pid, match: "node", gpu: false })).rejects.toThrow(
      /several targets \(PM_PID \(--pid\), PM_MATCH \(--match\)\)/,
    );
    await expect(collectOnce(collector, { pid: process.pid, results: "junit", gpu: false })).rejects.toThrow(
      /PM_RESULTS \(--results\): results are read in launch mode only/,
    );
  });

  it("refuses an interval below 100 ms", async () => {
    await expect(
      collectOnce(collector, { pid: process.pid, gpu: false }, { env: { PM_INTERVAL: "50ms" } }),
    ).rejects.toThrow("PM_INTERVAL: expected at least 100ms, got 50ms");
  });

  it("names the variable of a bad value", async () => {
    await expect(collectOnce(collector, { match: "(unclosed" })).rejects.toThrow(
      /match: expected a JavaScript regular expression/,
    );
    await expect(collectOnce(collector, {}, { env: { PM_PID: "abc" } })).rejects.toThrow(/PM_PID/);
    await expect(collectOnce(collector, {}, { env: { PM_PID: "-3" } })).rejects.toThrow(/PM_PID/);
    await expect(
      collectOnce(collector, {}, { env: { PM_MATCH: "x", PM_WAIT_TIMEOUT: "soon" } }),
    ).rejects.toThrow(/PM_WAIT_TIMEOUT: expected a duration/);
  });
});

describe("one round against a live process", () => {
  it("writes declared points only: the tree sum of this test process, and perf_system", async () => {
    const points = await collectOnce(collector, { pid: process.pid, system: true, gpu: false });
    const sum = points.find((p) => p.measurement === "perf_process")!;
    expect(sum.tags).toMatchObject({ pid: String(process.pid), scope: "tree" });
    expect(Number(sum.fields.rss_bytes?.value)).toBeGreaterThan(10 << 20);
    expect(Number(sum.fields.threads?.value)).toBeGreaterThan(1);
    expect(Number(sum.fields.open_fds?.value)).toBeGreaterThan(2);
    // First round: no interval to compute a rate over.
    expect(sum.fields.cpu_percent).toBeUndefined();
    const system = points.find((p) => p.measurement === "perf_system")!;
    expect(Number(system.fields.mem_total_bytes?.value)).toBeGreaterThan(0);
    expect(Number(system.fields.cpus?.value)).toBeGreaterThan(0);
    expect(system.fields.load1?.type).toBe("float");
    expect(system.fields.cpu_percent).toBeUndefined();
  });

  it("finds a running process by --match", async () => {
    const marker = `pm-perf-marker-${process.pid}-${Date.now()}`;
    // Waits at its gate (stdin) until cleanup.
    const target = sh(`read _; echo ${marker}`);
    const points = await collectOnce(collector, { match: `echo ${marker}$`, gpu: false });
    const sum = points.find((p) => p.measurement === "perf_process");
    expect(sum?.tags).toMatchObject({ pid: String(target.pid), command: "sh" });
  });
});
