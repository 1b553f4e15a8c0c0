const BACKOFF_MIN_MS = 250;

/**
 * How long a replica pauses after a failed write: doubling from 250 ms to `maxMs`, jittered so relays
 * do not retry in step; a refusal of the credentials waits the longest at once (an operator must act).
 */
export class WriteBackoff {
  private currentMs = 0;

  constructor(private readonly maxMs: number) {}

  next(kind: "retry" | "missing-target" | "fatal"): number {
    this.currentMs = Math.min(this.maxMs, Math.max(BACKOFF_MIN_MS, this.currentMs * 2));
    return kind === "fatal" ? this.maxMs : Math.round(this.currentMs * (0.5 + Math.random() / 2));
  }

  reset(): void {
    this.currentMs = 0;
  }
}
