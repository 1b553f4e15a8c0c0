import { closeSync, existsSync, fstatSync, openSync, readdirSync } from "node:fs";
import { type IoFields, parseIo } from "./parse-io.js";
import { parseIntList } from "./parse-numbers.js";
import { parseStat, type StatFields } from "./parse-stat.js";
import { parseStatus, type StatusFields } from "./parse-status.js";
import { failureOf, ProcFile, type ProcReadError, type ReadBuffer, type ReadFailure } from "./read-buffer.js";

export type ProcFileKind = "stat" | "status" | "io" | "fd" | "children";

/** What every process handle shares: where /proc is, the read buffer, and how to report trouble. */
export interface ProcEnv {
  procRoot: string;
  buffer: ReadBuffer;
  fdCountFromSize: boolean;
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
 * Keeps a process's /proc files open and re-reads them with pread each round. An open /proc
 * file stays bound to the process it was opened for, so a reused pid can never be mistaken for it.
 */
export class ProcessHandle {
  private readonly stat: ProcFile;
  private readonly status: ProcFile;
  private readonly io: ProcFile;
  private fdDir: number | undefined;
  private readonly denied = new Set<ProcFileKind>();
  private readonly taskChildren = new Map<number, ProcFile>();
  private slowRead = false;
  private lastStatus: StatusFields | undefined;
  private lastIo: IoFields | undefined;
  private lastFds: number | undefined;

  constructor(
    readonly pid: number,
    private readonly env: ProcEnv,
  ) {
    const dir = `${env.procRoot}/${pid}`;
    this.stat = new ProcFile(`${dir}/stat`);
    this.status = new ProcFile(`${dir}/status`);
    this.io = new ProcFile(`${dir}/io`);
  }

  /**
   * Reads the process; undefined when it is gone. Never throws. Without `slow`, the I/O bytes,
   * context switches and fd count of the last slow reading are reused: CPU, memory and threads
   * are read every round, while those counters (and /proc/<pid>/status, the costliest file for the
   * kernel to write) do not need ten readings a second.
   */
  sample(slow = true): ProcessSample | undefined {
    const { buffer } = this.env;
    const statLength = this.read("stat", this.stat);
    if (statLength === GONE) return GONE;
    const stat = parseStat(buffer.bytes, statLength);
    if (!stat) {
      this.env.onProblem("stat", "error", this.stat.path, "unparsable");
      return GONE;
    }
    if (slow || !this.slowRead) {
      const ioLength = this.read("io", this.io);
      if (ioLength === GONE && !this.denied.has("io")) return GONE;
      this.lastIo = ioLength === GONE ? undefined : parseIo(buffer.bytes, ioLength);
      const statusLength = this.read("status", this.status);
      if (statusLength === GONE && !this.denied.has("status")) return GONE;
      this.lastStatus = statusLength === GONE ? undefined : parseStatus(buffer.bytes, statusLength);
      this.lastFds = this.countFds();
      this.slowRead = true;
    }
    return { stat, status: this.lastStatus, io: this.lastIo, openFds: this.lastFds };
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
