import { spawn } from "node:child_process";

export class FioError extends Error {
  override name = "FioError";
}

export interface FioRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunFioOptions {
  fioPath: string;
  args: string[];
  /** Kills fio after this long. */
  timeoutMs: number;
  /** Kills fio when aborted (round timeout, shutdown). */
  signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs?: number;
}

const MAX_STDOUT = 16 * 1024 * 1024;
const MAX_STDERR = 64 * 1024;

/**
 * Runs fio once and returns what it printed. Throws FioError when fio cannot be started, runs past
 * `timeoutMs`, or is stopped by `signal`; a non-zero exit is returned for the caller to explain.
 */
export function runFio(options: RunFioOptions): Promise<FioRun> {
  const { fioPath, args, timeoutMs, signal } = options;
  const grace = options.killGraceMs ?? 2000;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new FioError(`fio not started: ${abortReason(signal)}`));
      return;
    }
    const child = spawn(fioPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let stdoutTruncated = false;
    let stopReason: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (stdout.length + chunk.length > MAX_STDOUT) stdoutTruncated = true;
      else stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      // Keep the end: the reason fio gives up comes last.
      stderr = (stderr + chunk).slice(-MAX_STDERR);
    });

    const stop = (reason: string) => {
      if (stopReason !== undefined) return;
      stopReason = reason;
      child.kill("SIGTERM");
      killTimer = setTimeout(() => child.kill("SIGKILL"), grace);
      killTimer.unref();
    };
    const timer = setTimeout(() => stop(`fio timed out after ${timeoutMs} ms and was killed`), timeoutMs);
    const onAbort = () => stop(`fio stopped: ${abortReason(signal!)}`);
    signal?.addEventListener("abort", onAbort, { once: true });

    const done = () => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      signal?.removeEventListener("abort", onAbort);
    };
    child.on("error", (error: NodeJS.ErrnoException) => {
      done();
      const why =
        error.code === "ENOENT"
          ? "no such file"
          : error.code === "EACCES"
            ? "permission denied"
            : error.message;
      reject(new FioError(`cannot run fio at ${JSON.stringify(fioPath)}: ${why}`));
    });
    child.on("close", (exitCode, exitSignal) => {
      done();
      if (stopReason !== undefined) {
        reject(new FioError(withStderr(stopReason, stderr)));
        return;
      }
      if (stdoutTruncated) {
        reject(new FioError(`fio printed more than ${MAX_STDOUT} bytes; refusing to parse it`));
        return;
      }
      resolve({ exitCode, signal: exitSignal, stdout, stderr });
    });
  });
}

function abortReason(signal: AbortSignal): string {
  const reason = signal.reason as unknown;
  return reason instanceof Error ? reason.message : "aborted";
}

/** fio's own lines ("fio: ...") say why it failed; keep them, short. */
export function fioStderrSummary(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const own = lines.filter((line) => line.startsWith("fio:") || /err=|error/i.test(line));
  return (own.length > 0 ? own : lines).slice(-3).join("; ").slice(0, 500);
}

function withStderr(message: string, stderr: string): string {
  const summary = fioStderrSummary(stderr);
  return summary ? `${message} (stderr: ${summary})` : message;
}
