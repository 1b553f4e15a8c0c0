import { intAfter } from "./parse-numbers.js";

export interface StatusFields {
  voluntaryContextSwitches: number | undefined;
  involuntaryContextSwitches: number | undefined;
}

/** Context switches from /proc/<pid>/status (the thread group leader's, as ps and psutil report). */
export function parseStatus(bytes: Buffer, length: number): StatusFields {
  return {
    // The newline keeps "voluntary_" from matching inside "nonvoluntary_".
    voluntaryContextSwitches: intAfter(bytes, length, "\nvoluntary_ctxt_switches:"),
    involuntaryContextSwitches: intAfter(bytes, length, "\nnonvoluntary_ctxt_switches:"),
  };
}
