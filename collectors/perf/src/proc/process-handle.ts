import { closeSync, existsSync, fstatSync, openSync, readdirSync } from "node:fs";
import type { LastPid } from "./last-pid.js";
import { type IoFields, parseIo } from "./parse-io.js";
import { parseIntAt, parseIntList } from "./parse-numbers.js";
import { parseStat, parseStatm, type StatFields } from "./parse-stat.js";
import { parseStatus, type StatusFields } from "./parse-status.js";
import { failureOf, ProcFile, type ProcReadError, type ReadBuffer, type ReadFailure } from "./read-buffer.js";

export type ProcFileKind = "stat" | "status" | "io" | "fd" | "children";

/** What every process handle shares: where /proc is, the read buffer, and how to report trouble. */
export interface ProcEnv {
  procRoot: string;
  buffer: ReadBuffer;
  fdCountFromSize: boolean;
  /** When given, children lists are read again only after a new pid was handed out. */
  lastPid?: LastPid;
  /** A file that could not be read for another reason than the process being gone. */
  onProblem(kind: ProcFileKind, failure: Exclude<ReadFailure, "gone">, path: string, code?: string): void;
}

/** One reading of one process. Fields we may not read (no SYS_PTRACE) are left undefined. */
export interface ProcessSample {
  stat: StatFields;
  status: StatusFields | undefined;
  io: IoFields | undefined;
  openFds: number | undefined;
}

/** The process exited (or cannot be read at all) since it was found. */
const GONE = undefined;

/**
 * A process that did not run cannot have changed its context switches, I/O counters or fd table,
 * so those are re-read only when it ran; still, every so often they are read regardless, which
 * bounds what a case this reasoning misses (an fd table shared through CLONE_FILES) could cost.
 */
const REFRESH_EVERY_MS = 5000;

/**
 * A process found running at this many checks in a row is read in full for the next BUSY_SKIPS
 * readings without a check; one that has gone to sleep is thus found idle at most that late.
 */
const BUSY_AFTER = 2;
const BUSY_SKIPS = 4;

/**
 * Keeps a process's /proc files open and re-reads them with pread each round. An open /proc
 * file stays bound to the process it was opened for, so a reused pid can never be mistaken for it.
 */
export class ProcessHandle {
  private readonly stat: ProcFile;
  private readonly schedstat: ProcFile;
  private readonly status: ProcFile;
  private readonly io: ProcFile;
  private fdDir: number | undefined;
  private readonly denied = new Set<ProcFileKind>();
  private readonly taskChildren = new Map<number, ProcFile>();
  private readonly statm: ProcFile;
  private noRunTime = false;
  private last: ProcessSample | undefined;
  /** Run time (ns) and when, at the last full reading. */
  private fullRunNs: number | undefined;
  private fullAt = 0;
  private ranInARow = 0;
  private readonly memory = { rssPages: 0, vsizeBytes: 0 };
  private skipChecks = 0;
  /** How many readings read stat, status, io and the fd count (the others only schedstat and statm). */
  fullReadings = 0;

  constructor(
    readonly pid: number,
    private readonly env: ProcEnv,
    /** Bytes per page, to give statm's size in stat's unit. */
    private readonly pageSize: number,
  ) {
    const dir = `${env.procRoot}/${pid}`;
    this.stat = new ProcFile(`${dir}/stat`);
    this.schedstat = new ProcFile(`${dir}/schedstat`);
    this.statm = new ProcFile(`${dir}/statm`);
    this.status = new ProcFile(`${dir}/status`);
    this.io = new ProcFile(`${dir}/io`);
  }

  /**
   * Reads the process; undefined when it is gone. Never throws.
   *
   * A process that did not run since the last full reading cannot have changed its CPU times,
   * threads, state, context switches, I/O bytes or fd table; only its memory can change (the
   * kernel reclaims pages of a sleeping process). So a single-threaded process whose run time
   * (schedstat, in ns: even a 1 µs run counts) is unchanged costs two small reads, schedstat and
   * statm, and keeps the rest of its last reading, which is still exact. Otherwise stat, status
   * (the costliest file for the kernel to write), io and the fd count are all read.
   */
  sample(now = performance.now()): ProcessSample | undefined {
    const last = this.last;
    // Asking schedstat only pays when the answer can be "did not run": not for a process with
    // several threads (the others run unseen by the leader's schedstat), nor for a while for one
    // that ran at each of its last readings.
    if (last && (last.stat.numThreads !== 1 || this.skipChecks > 0)) {
      if (this.skipChecks > 0) this.skipChecks--;
      return this.fullReading(undefined, now);
    }
    // First, so that whatever is read after it shows the process as of this run time or later.
    const runNs = this.readRunTime();
    if (last && runNs !== undefined && runNs === this.fullRunNs && now - this.fullAt < REFRESH_EVERY_MS) {
      this.ranInARow = 0;
      const read = this.readMemory();
      if (read === GONE) return GONE;
      if (read) {
        // The pages differ only now and then: reuse the reading (and its objects) while they do not.
        const { rssPages, vsizeBytes } = this.memory;
        if (rssPages !== last.stat.rssPages || vsizeBytes !== last.stat.vsizeBytes)
          this.last = { ...last, stat: { ...last.stat, rssPages, vsizeBytes } };
        return this.last;
      }
    } else if (runNs !== undefined && this.fullRunNs !== undefined && ++this.ranInARow >= BUSY_AFTER) {
      this.ranInARow = 0;
      this.skipChecks = BUSY_SKIPS;
    }
    return this.fullReading(runNs, now);
  }

  private fullReading(runNs: number | undefined, now: number): ProcessSample | undefined {
    const { buffer } = this.env;
    const statLength = this.read("stat", this.stat);
    if (statLength === GONE) return GONE;
    const stat = parseStat(buffer.bytes, statLength, this.last?.stat.comm);
    if (!stat) {
      this.env.onProblem("stat", "error", this.stat.path, "unparsable");
      return GONE;
    }
    const ioLength = this.read("io", this.io);
    if (ioLength === GONE && !this.denied.has("io")) return GONE;
    const io = ioLength === GONE ? undefined : parseIo(buffer.bytes, ioLength);
    const statusLength = this.read("status", this.status);
    if (statusLength === GONE && !this.denied.has("status")) return GONE;
    const status = statusLength === GONE ? undefined : parseStatus(buffer.bytes, statusLength);
    // The exact memory figures, the ones statm gives between full readings.
    if (status?.rssBytes !== undefined && status.vmsBytes !== undefined) {
      stat.rssPages = Math.round(status.rssBytes / this.pageSize);
      stat.vsizeBytes = status.vmsBytes;
    }
    this.last = { stat, status, io, openFds: this.countFds() };
    this.fullRunNs = runNs;
    this.fullAt = now;
    this.fullReadings++;
    return this.last;
  }

  /** rss and vsize from statm into `memory`; GONE when the process is, false when statm cannot serve. */
  private readMemory(): boolean | undefined {
    try {
      const length = this.statm.read(this.env.buffer);
      if (parseStatm(this.env.buffer.bytes, length, this.pageSize, this.memory)) return true;
    } catch (error) {
      if ((error as ProcReadError).failure === "gone") return GONE;
    }
    // Not a statm we understand: full readings from now on.
    this.noRunTime = true;
    return false;
  }

  /**
   * The leader's total run time in ns (first field of schedstat), or undefined when unknown: no
   * such file (CONFIG_SCHED_INFO off), or the "0 0 0" a kernel with it switched off prints.
   */
  private readRunTime(): number | undefined {
    if (this.noRunTime) return undefined;
    try {
      const length = this.schedstat.read(this.env.buffer);
      const ns = parseIntAt(this.env.buffer.bytes, 0, length);
      return ns === undefined || ns === 0 ? undefined : ns;
    } catch {
      // Gone, or not offered: either way the full reading that follows finds out which.
      this.noRunTime = true;
      this.schedstat.close();
      return undefined;
    }
  }

  /**
   * Pids of this process's children, from /proc/<pid>/task/<tid>/children of each thread (a child
   * is listed under the thread that forked it). "unsupported" when the kernel has no such files
   * (CONFIG_PROC_CHILDREN off) or we may not read them: the caller then scans /proc.
   */
  children(numThreads: number): number[] | "unsupported" {
    const task = `${this.env.procRoot}/${this.pid}/task`;
    let tids: number[];
    if (numThreads <= 1) {
      tids = [this.pid];
    } else {
      try {
        tids = readdirSync(task).map(Number).filter(Number.isInteger);
      } catch (error) {
        return failureOf(error) === "gone" ? [] : "unsupported";
      }
      for (const [tid, file] of this.taskChildren) {
        if (!tids.includes(tid)) {
          file.close();
          this.taskChildren.delete(tid);
        }
      }
    }
    const children: number[] = [];
    for (const tid of tids) {
      let file = this.taskChildren.get(tid);
      if (!file) {
        file = new ProcFile(`${task}/${tid}/children`);
        this.taskChildren.set(tid, file);
      }
      try {
        const length = file.read(this.env.buffer, true);
        children.push(...parseIntList(this.env.buffer.bytes, length));
      } catch (error) {
        if ((error as ProcReadError).failure !== "gone") return "unsupported";
        // The thread ended; a missing file on a live thread means the kernel does not offer it.
        if (tid === this.pid && existsSync(`${task}/${tid}`) && !existsSync(`${task}/${tid}/children`))
          return "unsupported";
        file.close();
        this.taskChildren.delete(tid);
      }
    }
    return children;
  }

  close(): void {
    this.stat.close();
    this.schedstat.close();
    this.statm.close();
    this.status.close();
    this.io.close();
    for (const file of this.taskChildren.values()) file.close();
    this.taskChildren.clear();
    if (this.fdDir !== undefined) {
      try {
        closeSync(this.fdDir);
      } catch {
        // The descriptor died with the process.
      }
      this.fdDir = undefined;
    }
  }

  private read(kind: ProcFileKind, file: ProcFile): number | undefined {
    if (this.denied.has(kind)) return GONE;
    try {
      return file.read(this.env.buffer);
    } catch (error) {
      const { failure, code } = error as ProcReadError;
      if (failure !== "gone") {
        this.denied.add(kind);
        this.env.onProblem(kind, failure, file.path, code);
      }
      return GONE;
    }
  }

  private countFds(): number | undefined {
    if (this.denied.has("fd")) return undefined;
    const path = `${this.env.procRoot}/${this.pid}/fd`;
    try {
      if (!this.env.fdCountFromSize) return readdirSync(path).length;
      this.fdDir ??= openSync(path, "r");
      return fstatSync(this.fdDir).size;
    } catch (error) {
      const failure = failureOf(error);
      if (failure !== "gone") {
        this.denied.add("fd");
        this.env.onProblem("fd", failure, path, (error as NodeJS.ErrnoException).code);
      }
      return undefined;
    }
  }
}
