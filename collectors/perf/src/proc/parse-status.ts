import { intAfter } from "./parse-numbers.js";

export interface StatusFields {
  voluntaryContextSwitches: number | undefined;
  involuntaryContextSwitches: number | undefined;
  /** VmRSS and VmSize in bytes; absent for kernel threads and zombies. */
  rssBytes: number | undefined;
  vmsBytes: number | undefined;
}

const kib = (value: number | undefined) => (value === undefined ? undefined : value * 1024);

/**
 * Context switches (the thread group leader's, as ps and psutil report) and memory from
 * /proc/<pid>/status. Its VmRSS is the exact sum of the kernel's per-CPU counters, as statm's is;
 * stat's rss field is the quick approximation of them, tens of pages off on a large machine.
 */
export function parseStatus(bytes: Buffer, length: number): StatusFields {
  return {
    // The newline keeps "voluntary_" from matching inside "nonvoluntary_".
    voluntaryContextSwitches: intAfter(bytes, length, "\nvoluntary_ctxt_switches:"),
    involuntaryContextSwitches: intAfter(bytes, length, "\nnonvoluntary_ctxt_switches:"),
    rssBytes: kib(intAfter(bytes, length, "\nVmRSS:")),
    vmsBytes: kib(intAfter(bytes, length, "\nVmSize:")),
  };
}
