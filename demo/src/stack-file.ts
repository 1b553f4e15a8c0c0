import { readFileSync, writeFileSync } from "node:fs";
import type { Endpoint } from "./endpoints.js";

/** `.pm-demo/stack.json`: what runs where, for a script, a curious user, or the end-to-end test. */
export interface StackFile {
  dir: string;
  org: string;
  gateway: string;
  nats: string;
  demoPid: number;
  services: ({ name: string; pid: number | null; log: string } & Partial<Endpoint>)[];
}

export function writeStackFile(path: string, state: StackFile): void {
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * The pid of a demo that still runs on this directory, from its stack.json; undefined when there is
 * none, the file is unreadable or not ours, or its process is gone (or is some other program now).
 */
export function runningDemo(path: string): number | undefined {
  let pid: unknown;
  try {
    pid = (JSON.parse(readFileSync(path, "utf8")) as { demoPid?: unknown }).demoPid;
  } catch {
    return undefined;
  }
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 1 || pid === process.pid) return undefined;
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return /demo/.test(commandLine) ? pid : undefined;
  } catch {
    return undefined;
  }
}
