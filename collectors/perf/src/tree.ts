import type { HostUnits } from "./proc/host.js";
import { type ProcEnv, ProcessHandle, type ProcessSample } from "./proc/process-handle.js";
import { descendantsByScan } from "./proc/scan.js";

/** Cumulative counts that the kernel folds into a parent when the parent reaps a child. */
export interface Counters {
  userTicks: number;
  systemTicks: number;
  readBytes: number;
  writeBytes: number;
}

const zero = (): Counters => ({ userTicks: 0, systemTicks: 0, readBytes: 0, writeBytes: 0 });
const KEYS = ["userTicks", "systemTicks", "readBytes", "writeBytes"] as const;

function addInto(target: Counters, value: Counters): void {
  for (const key of KEYS) target[key] += value[key];
}

/** The process and every child it reaped (cutime, and /proc/<pid>/io, include those). */
function inclusive(sample: ProcessSample): Counters {
  const { stat, io } = sample;
  return {
    userTicks: stat.utime + stat.cutime,
    systemTicks: stat.stime + stat.cstime,
    readBytes: io?.readBytes ?? 0,
    writeBytes: io?.writeBytes ?? 0,
  };
}

interface Tracked {
  pid: number;
  handle: ProcessHandle;
  sample: ProcessSample;
  previous: ProcessSample | undefined;
  sampledAt: number;
  previousAt: number | undefined;
  /** Exited descendants' counts that this process's own counters do not show yet. */
  pending: Counters;
}

export interface ProcessView {
  pid: number;
  comm: string;
  sample: ProcessSample;
  /** Own CPU over the last interval, 100 = one core; undefined on first sight. */
  cpuPercent: number | undefined;
}

/** The tree summed; a field is undefined when some process's value could not be read. */
export interface TreeTotals {
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  cpuPercent: number | undefined;
  readBytes: number | undefined;
  writeBytes: number | undefined;
  voluntaryContextSwitches: number | undefined;
  involuntaryContextSwitches: number | undefined;
  rssBytes: number;
  vmsBytes: number;
  threads: number;
  openFds: number | undefined;
  processes: number;
}

export interface TreeRound {
  /** Live (not yet exited) processes of the tree, the root first. */
  processes: ProcessView[];
  totals: TreeTotals;
}

/**
 * Follows a process and its descendants across rounds. New children are picked up each round;
 * counts of exited ones are kept, so CPU and I/O totals only grow:
 * - while a process lives, its counts include what it reaped (cutime/cstime, /proc/<pid>/io);
 * - when one exits, its last counts wait as "pending" on its nearest live ancestor until that
 *   ancestor's own counters show them (after it reaps the child); if they never do (the child
 *   was reaped outside the tree, or auto-reaped), they stay counted.
 * Processes that start and exit between two rounds are seen through their parent's counters.
 */
export class ProcessTree {
  private readonly tracked = new Map<number, Tracked>();
  private readonly exited = zero();
  private exitedVoluntary = 0;
  private exitedInvoluntary = 0;
  private ioIncomplete = false;
  private ctxIncomplete = false;
  private childrenFromScan = false;
  private lastCpu: { ticks: number; at: number } | undefined;
  private rootFinal: Counters | undefined;
  private rootFinalUsed = false;
  /** The last pid handed out when the children lists were last read (see LastPid). */
  private discoveredAtPid: number | undefined;

  peakRssBytes = 0;
  maxProcesses = 0;
  rootExited = false;
  /** The root's wait status, when it was seen as a zombie and we may read it. */
  rootExitStatus: number | undefined;
  /** The root's command name and start (ticks after boot) when first seen. */
  readonly rootComm: string | undefined;
  readonly rootStartTime: number | undefined;

  constructor(
    readonly rootPid: number,
    private readonly env: ProcEnv,
    private readonly units: HostUnits,
    now: number,
  ) {
    const root = this.track(rootPid, now);
    this.rootComm = root?.sample.stat.comm;
    this.rootStartTime = root?.sample.stat.startTime;
    if (!root) this.rootExited = true;
    else this.checkRootZombie(root.sample);
  }

  /** Whether the root was there when the tree was made. */
  get rootSeen(): boolean {
    return this.rootStartTime !== undefined;
  }

  /**
   * Final counts of the root known from outside (launch mode: our own reaped-children counters),
   * more exact than its last sample. Used when the root is found gone.
   */
  setRootFinal(counters: Counters): void {
    this.rootFinal = counters;
    if (!this.rootSeen && !this.rootFinalUsed) {
      this.rootFinalUsed = true;
      addInto(this.exited, counters);
    }
  }

  pids(): number[] {
    return [...this.tracked.keys()];
  }

  /** One round: samples every known process, accounts exited ones, picks up new children. */
  update(now: number): TreeRound {
    // Parents come before their children in the map (children are found through them), so a
    // parent is always read before its child: a child reaped in between reads as gone, and
    // its counts are then pending until the parent's next reading shows them.
    const vanished: Tracked[] = [];
    const live: Tracked[] = [];
    for (const entry of this.tracked.values()) {
      const sample = entry.handle.sample(now);
      if (!sample) {
        vanished.push(entry);
        continue;
      }
      entry.previous = entry.sample;
      entry.previousAt = entry.sampledAt;
      entry.sample = sample;
      entry.sampledAt = now;
      live.push(entry);
      if (entry.pid === this.rootPid) this.checkRootZombie(sample);
    }
    // Exits first, so that a parent's growth this round can pay off what its children left.
    if (vanished.length > 0) this.settle(vanished);
    for (const entry of live) this.absorb(entry);
    this.discover(now);
    return this.view(now);
  }

  close(): void {
    for (const entry of this.tracked.values()) entry.handle.close();
    this.tracked.clear();
  }

  private checkRootZombie(sample: ProcessSample): void {
    if (sample.stat.state !== "Z") return;
    this.rootExited = true;
    // Field 52 reads 0 without ptrace access; a readable io file proves we have it.
    if (sample.io !== undefined) this.rootExitStatus = sample.stat.exitStatus;
  }

  /** Growth of a process's reaped-children counters pays off what its exited children left pending. */
  private absorb(entry: Tracked): void {
    const before = entry.previous;
    const next = entry.sample;
    // The same reading again (the process did not run): nothing grew.
    if (!before || before === next) return;
    const growth: Counters = {
      userTicks: next.stat.cutime - before.stat.cutime,
      systemTicks: next.stat.cstime - before.stat.cstime,
      readBytes: (next.io?.readBytes ?? 0) - (before.io?.readBytes ?? 0),
      writeBytes: (next.io?.writeBytes ?? 0) - (before.io?.writeBytes ?? 0),
    };
    for (const key of KEYS) entry.pending[key] -= Math.min(entry.pending[key], Math.max(0, growth[key]));
  }

  /**
   * Accounts the processes found gone, children before their parents: each one's last counts
   * (and what its own exited children left pending on it) go to its parent if the parent is in
   * the tree, else they are kept as exited. For the root, a final count known from outside
   * (launch mode) replaces the estimate: it already holds everything the root reaped.
   */
  private settle(vanished: Tracked[]): void {
    const gone = new Map(vanished.map((entry) => [entry.pid, entry]));
    const unsettledChildren = new Map<number, number>();
    for (const entry of vanished) {
      const ppid = entry.sample.stat.ppid;
      if (gone.has(ppid)) unsettledChildren.set(ppid, (unsettledChildren.get(ppid) ?? 0) + 1);
    }
    const ready = vanished.filter((entry) => !unsettledChildren.has(entry.pid));
    const settled = new Set<number>();
    const settleOne = (entry: Tracked) => {
      settled.add(entry.pid);
      this.settleOne(entry);
      const ppid = entry.sample.stat.ppid;
      const left = (unsettledChildren.get(ppid) ?? 0) - 1;
      unsettledChildren.set(ppid, left);
      if (left === 0 && gone.has(ppid)) ready.push(gone.get(ppid)!);
    };
    for (let entry = ready.pop(); entry; entry = ready.pop()) settleOne(entry);
    // Only a loop in the parent links (impossible in /proc) would leave some; account them anyway.
    for (const entry of vanished) if (!settled.has(entry.pid)) settleOne(entry);
    for (const entry of vanished) {
      entry.handle.close();
      this.tracked.delete(entry.pid);
    }
  }

  private settleOne(entry: Tracked): void {
    const counts = inclusive(entry.sample);
    addInto(counts, entry.pending);
    if (entry.pid === this.rootPid) {
      this.rootExited = true;
      if (this.rootFinal && !this.rootFinalUsed) {
        this.rootFinalUsed = true;
        for (const key of KEYS) counts[key] = Math.max(counts[key], this.rootFinal[key]);
      }
    }
    if (entry.sample.io === undefined) this.ioIncomplete = true;
    if (entry.sample.status?.voluntaryContextSwitches === undefined) this.ctxIncomplete = true;
    this.exitedVoluntary += entry.sample.status?.voluntaryContextSwitches ?? 0;
    this.exitedInvoluntary += entry.sample.status?.involuntaryContextSwitches ?? 0;
    const parent = this.tracked.get(entry.sample.stat.ppid);
    addInto(parent && parent.pid !== entry.pid ? parent.pending : this.exited, counts);
  }

  private discover(now: number): void {
    // Read before the lists: a process born while they are read moves it on for the next round.
    const lastPid = this.env.lastPid?.read();
    if (lastPid !== undefined && lastPid === this.discoveredAtPid) return;
    this.discoveredAtPid = lastPid;
    if (!this.childrenFromScan) {
      const queue = [...this.tracked.values()];
      for (let i = 0; i < queue.length; i++) {
        const entry = queue[i]!;
        if (entry.sample.stat.state === "Z") continue;
        const children = entry.handle.children(entry.sample.stat.numThreads);
        if (children === "unsupported") {
          this.childrenFromScan = true;
          break;
        }
        for (const pid of children) {
          if (this.tracked.has(pid)) continue;
          const child = this.track(pid, now);
          if (child) queue.push(child);
        }
      }
    }
    if (this.childrenFromScan && this.tracked.size > 0) {
      const known = new Set(this.tracked.keys());
      for (const pid of descendantsByScan(this.env.procRoot, this.env.buffer, known)) this.track(pid, now);
    }
  }

  private track(pid: number, now: number): Tracked | undefined {
    const handle = new ProcessHandle(pid, this.env, this.units.pageSize);
    const sample = handle.sample(now);
    if (!sample) {
      handle.close();
      return undefined;
    }
    const entry: Tracked = {
      pid,
      handle,
      sample,
      previous: undefined,
      sampledAt: now,
      previousAt: undefined,
      pending: zero(),
    };
    this.tracked.set(pid, entry);
    return entry;
  }

  private view(now: number): TreeRound {
    const { clockTicks, pageSize } = this.units;
    const cumulative = { ...this.exited };
    let voluntary = this.exitedVoluntary;
    let involuntary = this.exitedInvoluntary;
    let ioComplete = !this.ioIncomplete;
    let ctxComplete = !this.ctxIncomplete;
    let fdsComplete = true;
    let rssBytes = 0;
    let vmsBytes = 0;
    let threads = 0;
    let openFds = 0;
    let processes = 0;
    const views: ProcessView[] = [];
    for (const entry of this.tracked.values()) {
      const { sample, pending } = entry;
      const { stat, io } = sample;
      cumulative.userTicks += stat.utime + stat.cutime + pending.userTicks;
      cumulative.systemTicks += stat.stime + stat.cstime + pending.systemTicks;
      cumulative.readBytes += (io?.readBytes ?? 0) + pending.readBytes;
      cumulative.writeBytes += (io?.writeBytes ?? 0) + pending.writeBytes;
      if (sample.io === undefined) ioComplete = false;
      const ctx = sample.status;
      if (ctx?.voluntaryContextSwitches === undefined || ctx.involuntaryContextSwitches === undefined)
        ctxComplete = false;
      voluntary += ctx?.voluntaryContextSwitches ?? 0;
      involuntary += ctx?.involuntaryContextSwitches ?? 0;
      if (sample.stat.state === "Z") continue;
      processes++;
      rssBytes += sample.stat.rssPages * pageSize;
      vmsBytes += sample.stat.vsizeBytes;
      threads += sample.stat.numThreads;
      if (sample.openFds === undefined) fdsComplete = false;
      openFds += sample.openFds ?? 0;
      views.push({
        pid: entry.pid,
        comm: sample.stat.comm,
        sample,
        cpuPercent: ownCpuPercent(entry, clockTicks),
      });
    }
    const ticks = cumulative.userTicks + cumulative.systemTicks;
    const cpuPercent =
      this.lastCpu && now > this.lastCpu.at
        ? ((ticks - this.lastCpu.ticks) / clockTicks / ((now - this.lastCpu.at) / 1000)) * 100
        : undefined;
    this.lastCpu = { ticks, at: now };
    this.peakRssBytes = Math.max(this.peakRssBytes, rssBytes);
    this.maxProcesses = Math.max(this.maxProcesses, processes);
    return {
      processes: views,
      totals: {
        cpuUserSeconds: cumulative.userTicks / clockTicks,
        cpuSystemSeconds: cumulative.systemTicks / clockTicks,
        cpuPercent,
        readBytes: ioComplete ? cumulative.readBytes : undefined,
        writeBytes: ioComplete ? cumulative.writeBytes : undefined,
        voluntaryContextSwitches: ctxComplete ? voluntary : undefined,
        involuntaryContextSwitches: ctxComplete ? involuntary : undefined,
        rssBytes,
        vmsBytes,
        threads,
        openFds: fdsComplete ? openFds : undefined,
        processes,
      },
    };
  }
}

function ownCpuPercent(entry: Tracked, clockTicks: number): number | undefined {
  const { previous, previousAt, sample, sampledAt } = entry;
  if (!previous || previousAt === undefined || sampledAt <= previousAt) return undefined;
  const ticks = sample.stat.utime + sample.stat.stime - previous.stat.utime - previous.stat.stime;
  return (ticks / clockTicks / ((sampledAt - previousAt) / 1000)) * 100;
}
