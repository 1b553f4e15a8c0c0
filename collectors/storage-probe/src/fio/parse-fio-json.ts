import { z } from "@platform-metrics/sdk";
import type { DirectionResult } from "../result.js";

export class FioOutputError extends Error {
  override name = "FioOutputError";
}

const latency = z.object({
  mean: z.number(),
  N: z.number().optional(),
  percentile: z.record(z.string(), z.number()).optional(),
});

// fio 2.x: `io_bytes` in KiB, `bw` in KiB/s, `clat` in µs. fio 3.0 moved latencies to `clat_ns`
// (ns) and `io_bytes` to bytes (adding `io_kbytes`); 3.2 added `bw_bytes`. `bw` stays KiB/s.
const direction = z.object({
  io_bytes: z.number(),
  io_kbytes: z.number().optional(),
  bw_bytes: z.number().optional(),
  bw: z.number(),
  iops: z.number(),
  runtime: z.number(),
  total_ios: z.number().optional(),
  clat_ns: latency.optional(),
  clat: latency.optional(),
});

// fio 3.x reports the latency of fsync/fdatasync calls in its own section.
const sync = z.object({
  total_ios: z.number(),
  lat_ns: latency,
});

const job = z.object({
  jobname: z.string(),
  error: z.number(),
  total_err: z.number().optional(),
  job_runtime: z.number().optional(),
  read: direction.optional(),
  write: direction.optional(),
  sync: sync.optional(),
});

const fioOutput = z.object({
  "fio version": z.string().optional(),
  jobs: z.array(job).min(1),
});

export type FioJob = z.output<typeof job>;
type Direction = z.output<typeof direction>;
type Latency = z.output<typeof latency>;

export interface ParsedFioJob {
  jobname: string;
  /** fio's errno for the job; 0 when it went well. */
  error: number;
  directions: DirectionResult[];
}

export interface ParsedFio {
  version: string | undefined;
  jobs: ParsedFioJob[];
}

/**
 * Parses fio's `--output-format=json` output (fio 2.x and 3.x field names) into the units written
 * to `storage_io`. Throws FioOutputError, naming the field, when the output is not what fio prints.
 */
export function parseFioJson(text: string): ParsedFio {
  // Some fio builds print notes before the JSON on stdout; the document starts at the first `{` line.
  const start = text.search(/^\{/m);
  if (start === -1) throw new FioOutputError(`fio printed no JSON document: ${preview(text)}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text.slice(start));
  } catch (error) {
    throw new FioOutputError(`fio printed malformed JSON (${(error as Error).message}): ${preview(text)}`);
  }
  const result = fioOutput.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw new FioOutputError(`fio JSON is not in the expected shape: ${problems.slice(0, 5).join("; ")}`);
  }
  const version = result.data["fio version"];
  return {
    version,
    jobs: result.data.jobs.map((j, index) => ({
      jobname: j.jobname,
      error: j.error,
      directions: j.error === 0 ? jobDirections(j, index) : [],
    })),
  };
}

function jobDirections(j: FioJob, index: number): DirectionResult[] {
  const errors = j.total_err ?? 0;
  const results: DirectionResult[] = [];
  for (const rw of ["read", "write"] as const) {
    const stats = j[rw];
    if (!stats || !hasIo(stats)) continue;
    results.push(directionResult(rw, stats, errors, `jobs[${index}].${rw}`));
  }
  if (j.sync && j.sync.total_ios > 0) {
    const runtimeMs = j.write?.runtime || j.job_runtime || 0;
    const runtimeSeconds = runtimeMs / 1000;
    results.push({
      rw: "sync",
      iops: runtimeSeconds > 0 ? j.sync.total_ios / runtimeSeconds : 0,
      ios: j.sync.total_ios,
      runtimeSeconds,
      errors,
      ...latencies(j.sync.lat_ns, 1),
    });
  }
  return results;
}

function hasIo(stats: Direction): boolean {
  return stats.total_ios !== undefined ? stats.total_ios > 0 : stats.io_bytes > 0;
}

function directionResult(
  rw: "read" | "write",
  stats: Direction,
  errors: number,
  where: string,
): DirectionResult {
  const ns = stats.clat_ns;
  const us = stats.clat;
  if (!ns && !us) throw new FioOutputError(`fio JSON: ${where} has neither clat_ns (fio 3) nor clat (fio 2)`);
  return {
    rw,
    bwBytes: stats.bw_bytes ?? stats.bw * 1024,
    iops: stats.iops,
    ioBytes: stats.io_kbytes !== undefined ? stats.io_bytes : stats.io_bytes * 1024,
    ios: stats.total_ios,
    runtimeSeconds: stats.runtime / 1000,
    errors,
    ...(ns ? latencies(ns, 1) : latencies(us!, 1000)),
  };
}

function latencies(
  stats: Latency,
  toNs: number,
): Pick<DirectionResult, "latMeanNs" | "latP50Ns" | "latP99Ns" | "latP999Ns"> {
  const percentile = (p: number) => {
    const entry = Object.entries(stats.percentile ?? {}).find(([key]) => Math.abs(Number(key) - p) < 1e-6);
    return entry === undefined ? undefined : entry[1] * toNs;
  };
  return {
    latMeanNs: stats.mean * toNs,
    latP50Ns: percentile(50),
    latP99Ns: percentile(99),
    latP999Ns: percentile(99.9),
  };
}

function formatPath(path: PropertyKey[]): string {
  return (
    path
      .map((part, i) => (typeof part === "number" ? `[${part}]` : `${i > 0 ? "." : ""}${String(part)}`))
      .join("") || "(top level)"
  );
}

function preview(text: string): string {
  const trimmed = text.trim();
  if (trimmed === "") return "(empty output)";
  return JSON.stringify(trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed);
}
