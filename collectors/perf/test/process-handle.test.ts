import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fdCountFromSize, readHostUnits } from "../src/proc/host.js";
import { LastPid } from "../src/proc/last-pid.js";
import { type ProcEnv, ProcessHandle } from "../src/proc/process-handle.js";
import { ReadBuffer } from "../src/proc/read-buffer.js";
import { cleanup, procState, sh, tempDir, waitFor } from "./helpers.js";

const units = readHostUnits();
const env = (): ProcEnv => ({
  procRoot: "/proc",
  buffer: new ReadBuffer(),
  fdCountFromSize: fdCountFromSize("/proc"),
  onProblem: (kind, failure, path) => {
    throw new Error(`unexpected problem ${kind} ${failure} ${path}`);
  },
});

afterEach(cleanup);

describe("ProcessHandle on a real process", () => {
  it("reuses the counters of a process that did not run, and reads them again once it ran", async () => {
    // A shell that sleeps in wait() and, on SIGUSR1, opens one more fd and sleeps again.
    const dir = tempDir();
    const shell = sh(`trap 'exec 7<${dir}/../; :' USR1; sleep 600 & wait; sleep 600`);
    const handle = new ProcessHandle(shell.pid!, env(), units.pageSize);
    // Wait until it sits in wait(): its child is there and its run time stops moving.
    await waitFor(() => {
      const children = handle.children(1);
      return children !== "unsupported" && children.length > 0 ? true : undefined;
    });
    // ...and has blocked there (S): a shell still runnable but not yet scheduled (R, on a busy
    // machine) has not run either, but its later run would change what was read.
    await waitFor(
      () => (procState(shell.pid!)?.state === "S" ? true : undefined),
      30_000,
      "the shell asleep in wait()",
    );
    // ...and a reading has been reused: the shell did not run since the full reading before it.
    let previous = handle.sample();
    const first = await waitFor(
      () => {
        const next = handle.sample();
        if (!next) throw new Error("the shell is gone");
        const reused = next === previous;
        previous = next;
        return reused ? next : undefined;
      },
      30_000,
      "a reused reading",
    );
    const fullBefore = handle.fullReadings;
    const idle = handle.sample()!;
    expect(handle.fullReadings).toBe(fullBefore);
    expect(idle.openFds).toBe(first.openFds);
    // What is reused equals what a full reading finds now.
    const fresh = new ProcessHandle(shell.pid!, env(), units.pageSize);
    expect(fresh.sample()).toEqual(idle);
    fresh.close();

    shell.kill("SIGUSR1");
    const after = await waitFor(
      () => {
        const sample = handle.sample();
        return sample && sample.openFds === first.openFds! + 1 ? sample : undefined;
      },
      5000,
      "the new fd",
    );
    expect(handle.fullReadings).toBeGreaterThan(fullBefore);
    expect(after.status!.voluntaryContextSwitches!).toBeGreaterThan(first.status!.voluntaryContextSwitches!);
    handle.close();
  });

  it("gives status's exact VmRSS as rss, the figure psutil and ps report", async () => {
    const child = sh("exec sleep 600");
    const handle = new ProcessHandle(child.pid!, env(), units.pageSize);
    // Once sh has become sleep and sleep has settled in its nanosleep: its memory stays as it is.
    await waitFor(() => {
      const now = procState(child.pid!);
      return now?.comm === "sleep" && now.state === "S" ? true : undefined;
    });
    const sample = handle.sample()!;
    const status = readFileSync(`/proc/${child.pid}/status`, "latin1");
    const vmRss = Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
    expect(sample.stat.rssPages * units.pageSize).toBe(vmRss);
    handle.close();
  });
});

describe("host units", () => {
  it("reads clock ticks and page size from the auxiliary vector, as getconf reports them", () => {
    const getconf = (name: string) => Number(execFileSync("getconf", [name], { encoding: "utf8" }).trim());
    expect(readHostUnits()).toEqual({ clockTicks: getconf("CLK_TCK"), pageSize: getconf("PAGESIZE") });
    // Without an auxv to read, the values every mainstream Linux uses.
    expect(readHostUnits(join(tempDir(), "missing"))).toEqual({ clockTicks: 100, pageSize: 4096 });
  });
});

describe("LastPid", () => {
  it("moves on when a process is born, and is unknown outside a real procfs", async () => {
    const lastPid = new LastPid("/proc", new ReadBuffer());
    const before = lastPid.read();
    expect(before).toBeGreaterThan(0);
    const child = sh("exit 0");
    await waitFor(() => (child.exitCode !== null ? true : undefined));
    expect(lastPid.read()).not.toBe(before);
    lastPid.close();
    expect(new LastPid(tempDir(), new ReadBuffer()).read()).toBeUndefined();
  });
});
