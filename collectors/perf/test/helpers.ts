import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor as waitForValue } from "@platform-metrics/testing";

export const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
export const FAKE_NVIDIA_SMI = fileURLToPath(new URL("./fixtures/nvidia-smi", import.meta.url));

const children = new Set<ChildProcess>();
const dirs: string[] = [];

/**
 * Starts `sh -c script`; killed by cleanup() if still running. Its stdin is a pipe from the test,
 * a gate the script can wait at without using CPU: `read _` (`read _ <&3` after `exec 3<&0` in a
 * background job, whose stdin is /dev/null) returns once the test calls `child.stdin.end()`.
 */
export function sh(script: string): ChildProcess {
  const child = spawn("sh", ["-c", script], { stdio: ["pipe", "ignore", "ignore"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "pm-perf-"));
  dirs.push(dir);
  return dir;
}

export function cleanup(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** A process's command name and state (R, S, Z for a zombie...) from /proc; undefined once it is gone. */
export function procState(pid: number): { comm: string; state: string } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  const close = stat.lastIndexOf(")");
  return { comm: stat.slice(stat.indexOf("(") + 1, close), state: stat[close + 2]! };
}

/** Polls `check` every 50 ms until it returns a value other than undefined, for at most `ms`. */
export function waitFor<T>(check: () => T | undefined, ms = 30_000, what = "condition"): Promise<T> {
  return waitForValue(what, check, { timeoutMs: ms, everyMs: 50 });
}

/** Ground truth written by a test script: its own /proc/self/stat and io after `wait`. */
export function readTruth(dir: string) {
  const stat = readFileSync(join(dir, "final.stat"), "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = (n: number) => Number(fields[n - 3]);
  const io = readFileSync(join(dir, "final.io"), "latin1");
  const value = (key: string) => Number(new RegExp(`^${key}: (\\d+)$`, "m").exec(io)![1]);
  return {
    cpuTicks: ticks(14) + ticks(15) + ticks(16) + ticks(17),
    writeBytes: value("write_bytes"),
    readBytes: value("read_bytes"),
  };
}

export interface BinRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  child: ChildProcess;
}

/**
 * A copy of the bundled bin (it needs no other file of the clone) in a fresh folder that every
 * user may read: a bin run as another user (`nobody`) must not depend on whether that user may
 * enter the folders the clone sits in (a `mktemp -d` folder is mode 0700).
 */
export function binReadableByAll(): string {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  cpSync(BIN, join(dir, "bin.js"));
  cpSync(join(dirname(BIN), "chunks"), join(dir, "chunks"), { recursive: true });
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  return join(dir, "bin.js");
}

export interface RunOptions {
  /** Killed with SIGKILL after this long: a hung bin fails the test instead of hanging it. */
  timeoutMs?: number;
  /** A command to run node under, e.g. setpriv to drop privileges. */
  wrapper?: string[];
  /** The bin to run (default the package's built dist/bin.js); it is also the working directory's. */
  bin?: string;
}

/**
 * Runs the built bin with PM_SINK=stdout; `during` runs while it is up (to send signals, start
 * targets, open a gate).
 */
export async function runBin(
  args: string[],
  env: Record<string, string> = {},
  during?: (child: ChildProcess, output: { stdout: string; stderr: string }) => Promise<void>,
  { timeoutMs = 60_000, wrapper = [], bin = BIN }: RunOptions = {},
): Promise<BinRun> {
  const [command, ...prefix] = [...wrapper, process.execPath];
  const child = spawn(command!, [...prefix, bin, ...args], {
    cwd: dirname(bin),
    env: { ...process.env, PM_SINK: "stdout", PM_HTTP_PORT: "0", PM_GPU: "false", ...env },
    // stdin: a gate for a launched command (see sh()); `child.stdin.end()` opens it.
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.add(child);
  const output = { stdout: "", stderr: "" };
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    output.stderr += chunk;
  });
  const done = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once("close", (code, signal) => resolve([code, signal])),
  );
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    if (during) await during(child, output);
    const [code, signal] = await done;
    return { code, signal, ...output, child };
  } finally {
    clearTimeout(timer);
    children.delete(child);
  }
}

export interface Line {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, number | string | boolean>;
}

/** Splits on unescaped `sep`, keeping the escapes in the parts. */
function splitRaw(text: string, sep: string, limit = Number.POSITIVE_INFINITY): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length && parts.length < limit - 1; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

const unescapeKey = (text: string) => text.replace(/\\([ ,=])/g, "$1");

function fieldValue(raw: string): number | boolean {
  if (raw === "true" || raw === "false") return raw === "true";
  return Number(raw.endsWith("i") ? raw.slice(0, -1) : raw);
}

/** Parses the line protocol this collector writes (numbers and booleans only). */
export function parseLines(text: string): Line[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [series = "", fieldText = ""] = splitRaw(line, " ", 3);
      const [measurement = "", ...tagPairs] = splitRaw(series, ",");
      const tags: Record<string, string> = {};
      for (const pair of tagPairs) {
        const [key = "", value = ""] = splitRaw(pair, "=", 2);
        tags[unescapeKey(key)] = unescapeKey(value);
      }
      const fields: Line["fields"] = {};
      for (const pair of splitRaw(fieldText, ",")) {
        const [key = "", raw = ""] = splitRaw(pair, "=", 2);
        fields[unescapeKey(key)] = fieldValue(raw);
      }
      return { measurement: unescapeKey(measurement), tags, fields };
    });
}
