import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { fdCountFromSize, readHostUnits } from "../src/proc/host.js";
import { LastPid } from "../src/proc/last-pid.js";
import type { ProcEnv } from "../src/proc/process-handle.js";
import { ReadBuffer } from "../src/proc/read-buffer.js";
import { ProcessTree, type TreeRound } from "../src/tree.js";
import { cleanup, exited, readTruth, sh, tempDir } from "./helpers.js";

const units = readHostUnits();
const problems: string[] = [];
const buffer = new ReadBuffer();
// As the collector runs: children lists are read again only when a new pid was handed out.
const env = (): ProcEnv => ({
  procRoot: "/proc",
  buffer,
  fdCountFromSize: fdCountFromSize("/proc"),
  lastPid: new LastPid("/proc", buffer),
  onProblem: (kind, failure, path) => problems.push(`${kind} ${failure} ${path}`),
});

afterEach(() => {
  cleanup();
  problems.length = 0;
});

/** Samples the tree every `everyMs` until the root has exited (at most 15 s). */
async function follow(tree: ProcessTree, everyMs: number, onRound?: (round: TreeRound) => void) {
  const rounds: TreeRound[] = [];
  const deadline = Date.now() + 15_000;
  while (!tree.rootExited && Date.now() < deadline) {
    await sleep(everyMs);
    const round = tree.update(performance.now());
    rounds.push(round);
    onRound?.(round);
  }
  expect(tree.rootExited).toBe(true);
  return rounds;
}

function expectNeverDecreasing(rounds: TreeRound[], pick: (round: TreeRound) => number | undefined) {
  const values = rounds.map(pick).filter((v): v is number => v !== undefined);
  for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]!);
}

describe("ProcessTree on real process trees", () => {
  it("sums children that fork, burn CPU, allocate memory, write files and exit", async () => {
    const dir = tempDir();
    // Three children (the first two wait a little so every one is seen alive); the root waits for them, records its own counters (which then include
    // everything its children used) as ground truth, and lingers so one more round sees it.
    const root = sh(
      `(sleep 0.3; i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done) &
       (sleep 0.3; dd if=/dev/zero of=${dir}/out bs=1M count=3 conv=fsync 2>/dev/null) &
       node -e "const b = Buffer.alloc(64 << 20, 1); setTimeout(() => b.length, 800)" &
       wait
       cat /proc/$$/stat > ${dir}/final.stat; cat /proc/$$/io > ${dir}/final.io
       sleep 0.4`,
    );
    const tree = new ProcessTree(root.pid!, env(), units, performance.now());
    let afterChildren: TreeRound | undefined;
    const rounds = await follow(tree, 100, (round) => {
      if (round.processes.length > 0 && round.processes.every((p) => p.comm === "sh" || p.comm === "sleep"))
        afterChildren ??= round;
    });
    const truth = readTruth(dir);
    const last = rounds.at(-1)!.totals;

    expect(tree.maxProcesses).toBeGreaterThanOrEqual(4);
    expect(tree.peakRssBytes).toBeGreaterThan(64 << 20);
    // Exited children stay counted: the totals hold at least what the root saw its children use.
    const ticks = (t: TreeRound["totals"]) =>
      Math.round((t.cpuUserSeconds + t.cpuSystemSeconds) * units.clockTicks);
    expect(ticks(last)).toBeGreaterThanOrEqual(truth.cpuTicks);
    expect(last.writeBytes).toBeGreaterThanOrEqual(3 << 20);
    expect(last.writeBytes).toBeGreaterThanOrEqual(truth.writeBytes);
    // ...and nothing is counted twice (the cat and sleep after the truth add only a little).
    expect(ticks(last)).toBeLessThanOrEqual(truth.cpuTicks + 10);
    expect(last.writeBytes).toBeLessThan(truth.writeBytes + (1 << 20));
    expect(afterChildren, "a round after the children exited").toBeDefined();
    expect(afterChildren!.totals.writeBytes).toBeGreaterThanOrEqual(3 << 20);
    expectNeverDecreasing(rounds, (r) => r.totals.cpuUserSeconds + r.totals.cpuSystemSeconds);
    expectNeverDecreasing(rounds, (r) => r.totals.writeBytes);
    expectNeverDecreasing(rounds, (r) => r.totals.voluntaryContextSwitches);
    expect(problems).toEqual([]);
    tree.close();
  });

  it("counts children that start and exit between two rounds through their parent", async () => {
    const dir = tempDir();
    const root = sh(
      `for n in 1 2 3 4 5; do (i=0; while [ $i -lt 15000 ]; do i=$((i+1)); done); done
       cat /proc/$$/stat > ${dir}/final.stat; cat /proc/$$/io > ${dir}/final.io
       sleep 1`,
    );
    const tree = new ProcessTree(root.pid!, env(), units, performance.now());
    // The root lingers 1 s so that a round sees it after its children, even on a loaded machine.
    // One slow round: the short-lived children are never sampled themselves.
    await exitedOrTimeout(`${dir}/final.io`);
    const rounds = await follow(tree, 150);
    const truth = readTruth(dir);
    const last = rounds.at(-1)!.totals;
    expect(
      Math.round((last.cpuUserSeconds + last.cpuSystemSeconds) * units.clockTicks),
    ).toBeGreaterThanOrEqual(truth.cpuTicks);
    expect(truth.cpuTicks).toBeGreaterThan(0);
    tree.close();
  });

  it("keeps following a descendant whose parent exited (an orphan)", async () => {
    // The subshell starts a long sleep and exits first: the long sleep is re-parented outside.
    const root = sh("( sleep 1.2 & sleep 0.3 ); sleep 0.9");
    const tree = new ProcessTree(root.pid!, env(), units, performance.now());
    const parentOf = new Map<number, number>();
    let orphanSeen = false;
    await follow(tree, 100, (round) => {
      const live = new Set(round.processes.map((p) => p.pid));
      for (const p of round.processes) {
        const firstParent = parentOf.get(p.pid);
        if (firstParent === undefined) parentOf.set(p.pid, p.sample.stat.ppid);
        else if (firstParent !== tree.rootPid && !live.has(firstParent)) orphanSeen = true;
      }
    });
    expect(orphanSeen).toBe(true);
    tree.close();
  });

  it("marks the root exited when it vanishes, and a zombie root with its exit code", async () => {
    // The parent (sh) never reaps its child: the child stays a zombie with its wait status.
    const parent = sh("sh -c 'exit 3' & exec sleep 3");
    let zombiePid: number | undefined;
    const probe = new ProcessTree(parent.pid!, env(), units, performance.now());
    for (let i = 0; i < 100 && zombiePid === undefined; i++) {
      await sleep(30);
      const round = probe.update(performance.now());
      zombiePid = probe.pids().find((pid) => pid !== parent.pid);
      void round;
    }
    probe.close();
    expect(zombiePid).toBeDefined();
    const zombie = new ProcessTree(zombiePid!, env(), units, performance.now());
    await sleep(50);
    zombie.update(performance.now());
    expect(zombie.rootExited).toBe(true);
    expect(zombie.rootExitStatus).toBe(3 << 8);
    zombie.close();

    parent.kill("SIGKILL");
    await exited(parent);
    const gone = new ProcessTree(parent.pid!, env(), units, performance.now());
    expect(gone.rootSeen).toBe(false);
    expect(gone.rootExited).toBe(true);
    gone.close();
  });
});

async function exitedOrTimeout(path: string) {
  const { existsSync } = await import("node:fs");
  for (let i = 0; i < 200 && !existsSync(path); i++) await sleep(50);
}
