import { collectOnce } from "@platform-metrics/sdk";
import { afterEach, describe, expect, it } from "vitest";
import collector from "../src/collector.js";
import { cleanup, sh } from "./helpers.js";

afterEach(cleanup);

describe("settings", () => {
  it("stops with exit code 2 and names the settings when no target or several are given", async () => {
    const none = await collectOnce(collector, { gpu: false });
    expect(none.stopped?.exitCode).toBe(2);
    expect(none.stopped?.reason).toMatch(/--pid N, --match REGEX or -- COMMAND/);
    expect(none).toHaveLength(0);

    const two = await collectOnce(collector, { pid: process.pid, match: "node", gpu: false });
    expect(two.stopped?.exitCode).toBe(2);
    expect(two.stopped?.reason).toMatch(/PM_PID \(--pid\), PM_MATCH \(--match\)/);
  });

  it("refuses an interval below 100 ms", async () => {
    const result = await collectOnce(
      collector,
      { pid: process.pid, gpu: false },
      { env: { PM_INTERVAL: "50ms" } },
    );
    expect(result.stopped).toEqual({ exitCode: 2, reason: "PM_INTERVAL: expected at least 100ms, got 50ms" });
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
