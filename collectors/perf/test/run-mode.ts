import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, type Line, parseLines, tempDir } from "./helpers.js";

/** CI variables that would otherwise decide a run's project, branch and commit in these tests. */
const CI_VARIABLES =
  /^(GITHUB_|CI_|BITBUCKET_|BUILDKITE|CIRCLE_|GIT_|BRANCH_NAME$|KUBERNETES_SERVICE_HOST$|PM_)/;

export interface RunModeResult {
  code: number | null;
  /** The collector's stdout: the command's stdout, and the collector's JSON log lines. */
  stdout: string;
  stderr: string;
  /** Points written to the file sink. */
  points: Line[];
  /** The collector's warnings about results (not others, such as rounds skipped on a busy machine). */
  warnings: string[];
}

/**
 * Runs `pm-collector-perf ARGS` (run mode, PM_SINK=file:...) in `cwd` with a clean environment
 * (no CI variables) plus `env`, and reads the points it wrote.
 */
export async function runMode(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunModeResult> {
  const sinkFile = join(tempDir(), "points.lp");
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !CI_VARIABLES.test(key) && !key.startsWith("VITEST")) env[key] = value;
  }
  Object.assign(env, {
    PM_SINK: `file:${sinkFile}`,
    PM_HTTP_PORT: "0",
    PM_GPU: "false",
    PM_INTERVAL: "100ms",
    ...options.env,
  });
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 90_000);
  const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
  clearTimeout(timer);
  const points = existsSync(sinkFile) ? parseLines(readFileSync(sinkFile, "utf8")) : [];
  const warnings = stdout
    .split("\n")
    .filter((line) => line.startsWith('{"level":40'))
    .map((line) => (JSON.parse(line) as { msg: string }).msg)
    .filter((message) => message.startsWith("results from"));
  return { code, stdout, stderr, points, warnings };
}

export const pointsOf = (result: RunModeResult, measurement: string) =>
  result.points.filter((point) => point.measurement === measurement);

/** The one perf_run point; fails the test when there is not exactly one. */
export function perfRun(result: RunModeResult): Line {
  const runs = pointsOf(result, "perf_run");
  if (runs.length !== 1) throw new Error(`expected one perf_run, got ${runs.length}:\n${result.stdout}`);
  return runs[0]!;
}
