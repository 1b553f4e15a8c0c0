import type { ResolvedProfile } from "../profiles.js";

/** The percentiles written to `storage_io`; asked for explicitly so the JSON always holds them. */
export const PERCENTILES = [50, 99, 99.9] as const;

/**
 * The fio command line for one profile on one file. One job per fio run, so a failing profile is
 * reported alone and the others still run.
 */
export function fioArgs(profile: ResolvedProfile, file: string, direct: boolean): string[] {
  const args = [
    `--name=${profile.name}`,
    `--filename=${file}`,
    `--size=${profile.fileSize}`,
    `--rw=${profile.rw}`,
    `--bs=${profile.bs}`,
    `--ioengine=${profile.ioengine}`,
    `--iodepth=${profile.iodepth}`,
    `--direct=${direct ? 1 : 0}`,
    `--runtime=${Math.max(1, Math.round(profile.runtimeMs))}ms`,
    "--time_based",
    // Jobs as threads of one process: fio forks job processes into their own session otherwise, and
    // those outlive a killed parent (and hang), where a killed pod or process group should end it all.
    "--thread",
    // fio deletes the file when the job ends; the work directory is cleaned afterwards anyway.
    "--unlink=1",
    `--percentile_list=${PERCENTILES.join(":")}`,
    "--output-format=json",
    "--eta=never",
  ];
  if (profile.fsync > 0) args.push(`--fsync=${profile.fsync}`);
  return args;
}
