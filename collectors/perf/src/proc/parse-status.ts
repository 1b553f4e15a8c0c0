import { afterLabel, parseIntAt } from "./parse-numbers.js";

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
  // The kernel writes these lines in this order: each search starts where the last one ended
  // (a status file is over a kilobyte), and none strays into what an earlier read left behind.
  const size = afterLabel(bytes, length, "\nVmSize:");
  const rss = afterLabel(bytes, length, "\nVmRSS:", Math.max(0, size));
  const afterMemory = Math.max(0, size, rss);
  // The newline keeps "voluntary_" from matching inside "nonvoluntary_".
  const voluntary = afterLabel(bytes, length, "\nvoluntary_ctxt_switches:", afterMemory);
  const involuntary = afterLabel(
    bytes,
    length,
    "\nnonvoluntary_ctxt_switches:",
    Math.max(afterMemory, voluntary),
  );
  return {
    voluntaryContextSwitches: intAt(bytes, voluntary, length),
    involuntaryContextSwitches: intAt(bytes, involuntary, length),
    rssBytes: kib(intAt(bytes, rss, length)),
    vmsBytes: kib(intAt(bytes, size, length)),
  };
}

/** The integer at `at`, or undefined when the label was not found (-1). A function, not a closure per call. */
function intAt(bytes: Buffer, at: number, length: number): number | undefined {
  return at === -1 ? undefined : parseIntAt(bytes, at, length);
}
