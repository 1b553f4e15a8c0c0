import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { trackChild } from "./cleanup.js";

export interface CollectorBinRun {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** What it printed so far: line protocol on stdout (PM_SINK=stdout), logs on stderr. */
  output: { stdout: string; stderr: string };
  /** Its exit code once it has exited and its output is read. */
  exited: Promise<number | null>;
}

/**
 * A collector's built bin as its own process, as a pod runs it: with only PATH and `env` (plus a
 * health port of the system's choice and the points on stdout unless `env` says otherwise), killed
 * when the test process exits if the test did not end it.
 */
export function spawnCollectorBin(bin: string, args: string[], env: Record<string, string>): CollectorBinRun {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? "", PM_HTTP_PORT: "0", PM_SINK: "stdout", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  trackChild(child);
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk) => {
    output.stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return { child, output, exited };
}
