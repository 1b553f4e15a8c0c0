import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { waitFor as waitForCondition } from "@platform-metrics/testing";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
/** Only bounds a wait that went wrong; every wait is on its condition. */
const WAIT_MS = 180_000;

/** waitFor of @platform-metrics/testing with the demo's bound (a whole stack starts behind it). */
export function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  return waitForCondition(what, check, { timeoutMs: WAIT_MS, everyMs: 200 });
}

export interface DemoProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * The demo as `npm run demo` runs it after its build step, in a process group of its own, so a test
 * can send a Ctrl-C to the whole group as a terminal does.
 */
export function spawnDemo(dir: string): DemoProcess {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
  const child = spawn(process.execPath, [BIN], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PM_DEMO_DIR: dir },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Process ids whose command line mentions `text` (e.g. the demo directory): what would be orphans. */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Whether a process with this id exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.replace(/^.*\) /s, "")[0] !== "Z";
  } catch {
    return false;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the tests' assertions are what checks an answer's shape
type Json = any;

export interface Answer {
  status: number;
  body: Json;
  replica: string | null;
}

export interface Gateway {
  get(path: string): Promise<Answer>;
  query(body: Record<string, unknown>): Promise<Answer>;
}

export function gatewayClient(url: string, token: string): Gateway {
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      signal: AbortSignal.timeout(30_000),
    });
    return {
      status: response.status,
      body: await response.json(),
      replica: response.headers.get("x-pm-replica"),
    };
  };
  return {
    get: (path) => call(path),
    query: (body) => call("/api/v1/query", { method: "POST", body: JSON.stringify(body) }),
  };
}
