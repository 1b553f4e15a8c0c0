import { parseIntAt } from "./parse-numbers.js";

/** The fields of /proc/<pid>/stat this collector uses (see proc(5)); times in clock ticks. */
export interface StatFields {
  comm: string;
  /** R, S, D, Z (zombie: exited, not yet reaped), T, ... */
  state: string;
  ppid: number;
  utime: number;
  stime: number;
  /** CPU time of reaped children (and everything they reaped). */
  cutime: number;
  cstime: number;
  numThreads: number;
  /** Ticks after boot when the process started. */
  startTime: number;
  vsizeBytes: number;
  rssPages: number;
  /** Field 52 (Linux 3.5+) of a zombie: its wait status; 0 without ptrace access. Else undefined. */
  exitStatus: number | undefined;
}

const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;
const SPACE = 0x20;
const ZOMBIE = 0x5a;
const LAST_USUAL = 24;
const EXIT_CODE = 52;
// Where fields 3..52 start (1-based numbers from proc(5)); reused, as this runs for every process
// every round. comm (field 2) may hold spaces and parentheses: counting starts after its last ')'.
const starts = new Int32Array(EXIT_CODE + 1);

function fieldAt(bytes: Buffer, length: number, n: number): number | undefined {
  const at = starts[n]!;
  return at === -1 || at >= length ? undefined : parseIntAt(bytes, at, length);
}

/** Whether bytes[start, end) spell `text` (ASCII): then the string need not be made again. */
function sameText(bytes: Buffer, start: number, end: number, text: string | undefined): boolean {
  if (text === undefined || text.length !== end - start) return false;
  for (let i = 0; i < text.length; i++) if (bytes[start + i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * Parses /proc/<pid>/stat from bytes; undefined when the text is not a stat line. `previousComm`,
 * the name from the process's last reading, is reused when unchanged (no new string each round).
 */
export function parseStat(bytes: Buffer, length: number, previousComm?: string): StatFields | undefined {
  let open = -1;
  for (let i = 0; i < length; i++) {
    if (bytes[i] === OPEN_PAREN) {
      open = i;
      break;
    }
  }
  let close = -1;
  for (let i = length - 1; i > open; i--) {
    if (bytes[i] === CLOSE_PAREN) {
      close = i;
      break;
    }
  }
  if (open === -1 || close === -1 || close + 2 >= length) return undefined;
  // A plain byte loop: far cheaper than a native indexOf call per field.
  const zombie = bytes[close + 2] === ZOMBIE;
  const last = zombie ? EXIT_CODE : LAST_USUAL;
  starts.fill(-1);
  let field = 3;
  starts[3] = close + 2;
  for (let i = close + 2; i < length && field < last; i++) {
    if (bytes[i] === SPACE) starts[++field] = i + 1;
  }
  // Direct calls, no closure: this runs for every process every round, and a bundle built with
  // esbuild's keepNames names each closure it creates (Object.defineProperty) on every call.
  const ppid = fieldAt(bytes, length, 4);
  const utime = fieldAt(bytes, length, 14);
  const stime = fieldAt(bytes, length, 15);
  const cutime = fieldAt(bytes, length, 16);
  const cstime = fieldAt(bytes, length, 17);
  const numThreads = fieldAt(bytes, length, 20);
  const startTime = fieldAt(bytes, length, 22);
  const vsizeBytes = fieldAt(bytes, length, 23);
  const rssPages = fieldAt(bytes, length, 24);
  if (
    ppid === undefined ||
    utime === undefined ||
    stime === undefined ||
    cutime === undefined ||
    cstime === undefined ||
    numThreads === undefined ||
    startTime === undefined ||
    vsizeBytes === undefined ||
    rssPages === undefined
  ) {
    return undefined;
  }
  return {
    comm: sameText(bytes, open + 1, close, previousComm)
      ? previousComm!
      : bytes.toString("utf8", open + 1, close),
    state: String.fromCharCode(bytes[close + 2]!),
    ppid,
    utime,
    stime,
    cutime,
    cstime,
    numThreads,
    startTime,
    vsizeBytes,
    rssPages,
    // Only an exited process has one; reading it from every line would cost a longer scan.
    exitStatus: zombie ? fieldAt(bytes, length, EXIT_CODE) : undefined,
  };
}

/**
 * The two sizes of /proc/<pid>/statm that stat also gives ("size resident shared ..." in pages),
 * into `into` (no object per reading); false when the text is not a statm line.
 */
export function parseStatm(
  bytes: Buffer,
  length: number,
  pageSize: number,
  into: { rssPages: number; vsizeBytes: number },
): boolean {
  const size = parseIntAt(bytes, 0, length);
  if (size === undefined) return false;
  let i = 0;
  while (i < length && bytes[i] !== SPACE) i++;
  const resident = parseIntAt(bytes, i, length);
  if (resident === undefined) return false;
  into.rssPages = resident;
  into.vsizeBytes = size * pageSize;
  return true;
}

/** The exit code a shell would report for a wait status: the code, or 128 + the signal. */
export function exitCodeOfWaitStatus(status: number): number {
  const signal = status & 0x7f;
  return signal === 0 ? (status >> 8) & 0xff : 128 + signal;
}
