import { type CliOption, duration, z } from "@platform-metrics/sdk";
import { parseResultsSpec, type ResultsSpec } from "./results/spec.js";

function validRegex(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

const resultsSpec = z.string().transform((text, ctx): ResultsSpec => {
  const spec = parseResultsSpec(text);
  if (typeof spec === "string") {
    ctx.addIssue({ code: "custom", message: spec });
    return z.NEVER;
  }
  return spec;
});

const runTag = z.string().trim().min(1).max(256).optional();

const ownSettings = z.object({
  pid: z.coerce.number().int().positive().optional().describe("follow this process and its descendants"),
  match: z
    .string()
    .min(1)
    .refine(validRegex, "expected a JavaScript regular expression")
    .optional()
    .describe(
      "follow the oldest process whose command line (arguments joined by spaces) matches this regular expression; the collector and its ancestors are left out",
    ),
  waitTimeout: duration()
    .default(300_000)
    .describe(
      "with match: give up (exit 1) if nothing matches within this long; 0s waits forever (default 5m)",
    ),
  command: z
    .array(z.string())
    .min(1)
    .optional()
    .describe(
      "launch mode: the command to run (on the command line: after --; in PM_COMMAND comma-separated)",
    ),
  results: resultsSpec
    .optional()
    .describe(
      "launch mode: read the command's results, FORMAT[=FILE] (go-test-json, google-benchmark, pytest-benchmark, hyperfine, junit, auto); without FILE from its stdout",
    ),
  run: runTag.describe("launch mode: the run tag (default: start time and a random suffix)"),
  project: runTag.describe("launch mode: the project tag (default: from CI variables, git remote or folder)"),
  branch: runTag.describe("launch mode: the branch tag (default: from CI variables or git)"),
  commit: runTag.describe("launch mode: the commit tag (default: from CI variables or git)"),
  perProcess: z
    .boolean()
    .default(false)
    .describe("one perf_process point per process instead of the tree sum"),
  system: z.boolean().default(false).describe("also write perf_system (host CPU, memory, load)"),
  gpu: z.boolean().default(true).describe("write perf_gpu when nvidia-smi is found"),
  nvidiaSmi: z.string().min(1).default("nvidia-smi").describe("nvidia-smi command or path"),
  procRoot: z
    .string()
    .min(1)
    .default("/proc")
    .describe("where procfs is mounted (tests point it at fixtures)"),
});

export const cliOptions: Record<string, CliOption> = {
  pid: { type: "string", description: "follow this process and its descendants" },
  match: { type: "string", description: "follow the oldest process whose command line matches REGEX" },
  "wait-timeout": {
    type: "string",
    description: "with --match: how long to wait for it (default 5m; 0s: forever)",
  },
  results: {
    type: "string",
    description:
      "with a command: read its results, FORMAT[=FILE] (FORMAT: go-test-json, google-benchmark, pytest-benchmark, hyperfine, junit or auto)",
  },
  "per-process": { type: "boolean", description: "one point per process instead of the tree sum" },
  system: { type: "boolean", description: "also write perf_system (host CPU, memory, load)" },
};

/** The lowest interval the sampler is meant for. */
export const MIN_INTERVAL_MS = 100;

/** Settings that only make sense together; a message naming them, or undefined when fine. */
export function checkTargetChoice(config: z.output<typeof ownSettings>): string | undefined {
  const given = [
    config.pid !== undefined && "PM_PID (--pid)",
    config.match !== undefined && "PM_MATCH (--match)",
    config.command !== undefined && "PM_COMMAND (-- COMMAND ARGS...)",
  ].filter(Boolean);
  if (given.length !== 1) {
    return given.length === 0
      ? "no target: give one of --pid N, --match REGEX or -- COMMAND ARGS... (PM_PID, PM_MATCH, PM_COMMAND)"
      : `several targets (${given.join(", ")}): give exactly one`;
  }
  if (config.results !== undefined && config.command === undefined)
    return "PM_RESULTS (--results): results are read in launch mode only (-- COMMAND ARGS...)";
  return undefined;
}

/** The interval is a common setting, so it is checked on the resolved config (the `validate` hook). */
export function checkInterval(config: { interval: number }): string | undefined {
  return config.interval < MIN_INTERVAL_MS
    ? `PM_INTERVAL: expected at least ${MIN_INTERVAL_MS}ms, got ${config.interval}ms`
    : undefined;
}

/** The collector's own settings (PM_PID, PM_MATCH, ...), merged by the SDK with the common ones. */
export const configSchema = ownSettings.superRefine((config, ctx) => {
  const problem = checkTargetChoice(config);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export type PerfConfig = z.output<typeof configSchema>;
