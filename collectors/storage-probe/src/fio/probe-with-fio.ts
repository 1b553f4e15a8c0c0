import type { Logger } from "@platform-metrics/sdk";
import type { ResolvedProfile } from "../profiles.js";
import type { ProfileResult } from "../result.js";
import { fioArgs } from "./fio-args.js";
import { FioOutputError, parseFioJson } from "./parse-fio-json.js";
import { FioError, fioStderrSummary, runFio } from "./run-fio.js";

const EINVAL = 22;

export interface FioProbeOptions {
  fioPath: string;
  profile: ResolvedProfile;
  file: string;
  /** O_DIRECT is possible on this volume (checked before). */
  directAllowed: boolean;
  timeoutMs: number;
  signal: AbortSignal;
  log: Logger;
}

/**
 * Measures one profile with fio. Where O_DIRECT is refused after all (fio reports EINVAL on open),
 * runs once more with buffered I/O, and the result says so.
 */
export async function probeWithFio(options: FioProbeOptions): Promise<ProfileResult> {
  const { profile } = options;
  const direct = profile.direct && options.directAllowed;
  const first = await runOnce(options, direct);
  if (first.ok) return first.result;
  if (direct && first.errno === EINVAL) {
    options.log.warn(
      { profile: profile.name, reason: first.message },
      "fio refused O_DIRECT; measuring this profile with buffered I/O (direct=false)",
    );
    const second = await runOnce(options, false);
    if (second.ok) return second.result;
    throw new FioError(second.message);
  }
  throw new FioError(first.message);
}

type Attempt = { ok: true; result: ProfileResult } | { ok: false; errno?: number; message: string };

async function runOnce(options: FioProbeOptions, direct: boolean): Promise<Attempt> {
  const { profile } = options;
  const run = await runFio({
    fioPath: options.fioPath,
    args: fioArgs(profile, options.file, direct),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  const stderr = fioStderrSummary(run.stderr);
  let parsed: ReturnType<typeof parseFioJson> | undefined;
  let parseError: Error | undefined;
  try {
    parsed = parseFioJson(run.stdout);
  } catch (error) {
    if (!(error instanceof FioOutputError)) throw error;
    parseError = error;
  }
  const job = parsed?.jobs[0];
  if (job && job.error !== 0) {
    return {
      ok: false,
      errno: job.error,
      message: `fio job ${profile.name} failed with error ${job.error}${stderr ? `: ${stderr}` : ""}`,
    };
  }
  if (run.exitCode !== 0) {
    const how = run.signal ? `was killed by ${run.signal}` : `exited with code ${run.exitCode}`;
    return { ok: false, message: `fio ${how}${stderr ? `: ${stderr}` : ""}` };
  }
  if (!job) return { ok: false, message: parseError!.message };
  if (job.directions.length === 0) {
    return { ok: false, message: `fio reported no I/O for profile ${profile.name}` };
  }
  return { ok: true, result: { profile: profile.name, engine: "fio", direct, directions: job.directions } };
}
