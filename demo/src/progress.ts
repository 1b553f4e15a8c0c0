/** Where the demo writes its lines (stdout; a test passes its own). */
export interface Output {
  write(text: string): unknown;
}

export type Outcome = "ready" | "NOT READY" | "FAILED" | "stopped" | "exited";

/** One line per service: name, outcome, seconds it took, and what to know about it. */
export function serviceLine(name: string, outcome: Outcome, ms: number, detail = ""): string {
  const seconds = `${(ms / 1000).toFixed(1)} s`;
  return `  ${name.padEnd(18)} ${outcome.padEnd(9)} ${seconds.padStart(7)}  ${detail}`.trimEnd();
}

/** Times one step from now. */
export function stopwatch(): () => number {
  const started = performance.now();
  return () => performance.now() - started;
}
