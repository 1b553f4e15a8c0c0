import { execFileSync, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor as waitForValue } from "@platform-metrics/testing";

export const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** Small files and short runs: each profile takes well under a second. */
export const FAST = { fileSize: "2MiB", runtime: "200ms", freeSpaceReserve: 0 } as const;
export const FAST_ENV = { PM_FILE_SIZE: "2MiB", PM_RUNTIME: "200ms", PM_FREE_SPACE_RESERVE: "0" } as const;

export interface TempDir {
  path: string;
  cleanup(): Promise<void>;
}

export async function tempDir(prefix = "pm-storage-probe-test-"): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Everything under `dir`, as relative paths, sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (sub: string) => {
    for (const entry of await readdir(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      out.push(rel);
      if (entry.isDirectory()) await walk(rel);
    }
  };
  await walk("");
  return out.sort();
}

/** A real executable that stands in for a broken fio: it answers --version, then prints `output`. */
export async function fakeFio(dir: string, output: string, exitCode = 0): Promise<string> {
  const path = join(dir, "fake-fio");
  const script = `#!/bin/sh
if [ "$1" = "--version" ]; then echo fio-3.33; exit 0; fi
cat <<'PM_EOF'
${output}
PM_EOF
exit ${exitCode}
`;
  await writeFile(path, script);
  await chmod(path, 0o755);
  return path;
}

/**
 * Mounts `type` (or a read-only bind of `dir` onto itself) at `dir`. Needs root with CAP_SYS_ADMIN;
 * returns undefined where mounting is not allowed, so the caller can skip with a reason.
 */
export function tryMount(dir: string, how: "ro-bind" | "ramfs"): (() => void) | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    if (how === "ramfs") {
      execFileSync("mount", ["-t", "ramfs", "ramfs", dir], { stdio: "ignore" });
    } else {
      execFileSync("mount", ["--bind", dir, dir], { stdio: "ignore" });
      try {
        execFileSync("mount", ["-o", "remount,bind,ro", dir], { stdio: "ignore" });
      } catch (error) {
        execFileSync("umount", [dir], { stdio: "ignore" });
        throw error;
      }
    }
  } catch {
    return undefined;
  }
  return () => execFileSync("umount", [dir], { stdio: "ignore" });
}

export interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built bin to its end (bounded by `timeoutMs`). */
export function runBin(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<BinRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", PM_HTTP_PORT: "0", PM_SINK: "stdout", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`bin did not end within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Polls `check` every 50 ms until it returns true, at most `timeoutMs`; an error counts as "not yet". */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  await waitForValue(what, async () => (await check()) || undefined, { timeoutMs, everyMs: 50 });
}

export async function makeDir(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  return path;
}

/** Live fio processes whose command line mentions `path` (zombies have an empty command line). */
export async function fioProcessesUnder(path: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    const [command, ...args] = cmdline.split("\0");
    if (command?.endsWith("fio") && args.some((arg) => arg.includes(path))) pids.push(Number(entry));
  }
  return pids;
}
