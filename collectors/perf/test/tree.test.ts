import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { fdCountFromSize, readHostUnits } from "../src/proc/host.js";
import { LastPid } from "../src/proc/last-pid.js";
import type { ProcEnv } from "../src/proc/process-handle.js";
import { ReadBuffer } from "../src/proc/read-buffer.js";
import { ProcessTree, type TreeRound } from "../src/tree.js";
import { cleanup, exited, procState, readTruth, sh, tempDir, waitFor } from "./helpers.js";

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

/**
 * Samples the tree every `everyMs` until the root has exited. The scripts below wait at gates the
 * test opens from `onRound` (see sh()), so what a round must see does not depend on the speed
 * of the machine; the 60 s are only a bound for a test that went wrong.
 */
async function follow(tree: ProcessTree, everyMs: number, onRound?: (round: TreeRound) => void) {
  const rounds: TreeRound[] = [];
  const deadline = Date.now() + 60_000;
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
    // Three children wait at the gate until a round has seen them all alive (and node's 64 MiB);
    // the root waits for them, records its own counters (which then include everything its
    // children used) as ground truth, and becomes a sleep that the test ends once a round has
    // seen it after its children.
    const root = sh(
      `exec 3<&0
       (read _ <&3; i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done) &
       (read _ <&3; dd if=/dev/zero of=${dir}/out bs=1M count=3 conv=fsync 2>/dev/null) &
       node -e "const b = Buffer.alloc(64 << 20, 1); process.stdin.resume().on('end', () => b.length)" <&3 &
       wait
       cat /proc/$$/stat > ${dir}/final.stat; cat /proc/$$/io > ${dir}/final.io
       exec sleep 600`,
    );
    const tree = new ProcessTree(root.pid!, env(), units, performance.now());
    let afterChildren: TreeRound | undefined;
    const rounds = await follow(tree, 100, (round) => {
      if (round.processes.length >= 4 && tree.peakRssBytes > 64 << 20) root.stdin!.end();
      if (afterChildren === undefined && hasBecomeSleep(round, root.pid!)) {
        afterChildren = round;
        root.kill("SIGTERM");
      }
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
    // ...and nothing is counted twice (the cat after the truth adds only a little).
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
       exec sleep 600`,
    );
    const tree = new ProcessTree(root.pid!, env(), units, performance.now());
    // The first round comes after the children are gone: they are never sampled themselves, and
    // are counted through what their parent reaped. The root lives until a round has seen it.
    await waitFor(
      () => (procState(root.pid!)?.comm === "sleep" ? true : undefined),
      30_000,
      "the children to finish",
    );
    const rounds = await follow(tree, 150, () => root.kill("SIGTERM"));
    const truth = readTruth(dir);
    const last = rounds.at(-1)!.totals;
    expect(
      Math.round((last.cpuUserSeconds + last.cpuSystemSeconds) * units.clockTicks),
    ).toBeGreaterThanOrEqual(truth.cpuTicks);
    expect(truth.cpuTicks).toBeGreaterThan(0);
    tree.close();
  });

  it("keeps following a descendant whose parent exited (an orphan)", async () => {
    // The subshell starts a long sleep and exits at the gate: the long sleep is re-parented outside.
    const root = sh("exec 3<&0; ( sleep 600 & read _ <&3 ); exec sleep 600");
    const tree = new ProcessTree(root.pid!, env(), units, performance.now());
    const parentOf = new Map<number, number>();
    let orphan: number | undefined;
    try {
      await follow(tree, 100, (round) => {
        const live = new Set(round.processes.map((p) => p.pid));
        // (The root's own parent, the test, is never in the tree: it is no orphan.)
        for (const p of round.processes.filter((p) => p.pid !== tree.rootPid)) {
          const firstParent = parentOf.get(p.pid);
          if (firstParent === undefined) parentOf.set(p.pid, p.sample.stat.ppid);
          else if (firstParent !== tree.rootPid && !live.has(firstParent)) orphan ??= p.pid;
        }
        // Once a round has seen the long sleep beside its parent, the subshell may exit; once one
        // has seen it without, the root may too.
        if ([...parentOf.values()].some((ppid) => ppid !== tree.rootPid)) root.stdin!.end();
        if (orphan !== undefined) root.kill("SIGTERM");
      });
      expect(orphan).toBeDefined();
    } finally {
      if (orphan !== undefined) process.kill(orphan, "SIGKILL");
      tree.close();
    }
  });

  it("marks the root exited when it vanishes, and a zombie root with its exit code", async () => {
    // The parent (sleep, after exec) never reaps its child: the child stays a zombie with its
    // wait status. The child exits at the gate.
    const parent = sh("exec 3<&0; sh -c 'read _ <&3; exit 3' & exec sleep 600");
    const probe = new ProcessTree(parent.pid!, env(), units, performance.now());
    const childPid = await waitFor(() => {
      probe.update(performance.now());
      return probe.pids().find((pid) => pid !== parent.pid);
    });
    probe.close();

    // Seen alive first, then as a zombie.
    const child = new ProcessTree(childPid, env(), units, performance.now());
    expect(child.rootExited).toBe(false);
    parent.stdin!.end();
    await waitFor(() => (procState(childPid)?.state === "Z" ? true : undefined), 30_000, "a zombie");
    child.update(performance.now());
    expect(child.rootExited).toBe(true);
    expect(child.rootExitStatus).toBe(3 << 8);
    child.close();
    // A zombie already when the tree is made.
    const zombie = new ProcessTree(childPid, env(), units, performance.now());
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

/** Whether the round sees only the root, become sleep: it has written the truth after its children. */
function hasBecomeSleep(round: TreeRound, rootPid: number): boolean {
  return (
    round.processes.length === 1 &&
    round.processes[0]!.pid === rootPid &&
    round.processes[0]!.comm === "sleep"
  );
}
