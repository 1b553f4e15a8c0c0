import { setTimeout as sleep } from "node:timers/promises";

export interface RoundOutcome {
  ok: boolean;
  timedOut: boolean;
  /** Aborted because the scheduler was stopped (shutdown), not because the round failed. */
  stopped: boolean;
  error?: Error;
  durationMs: number;
}

export interface SchedulerOptions {
  intervalMs: number;
  jitterMs: number;
  timeoutMs: number;
  /** Runs one round; must honour `signal` (aborted on timeout and shutdown). */
  round(signal: AbortSignal, round: number): Promise<void>;
  /** Told about every round, after it ended (also failed and timed-out ones). */
  onRoundEnd(outcome: RoundOutcome, round: number): void | Promise<void>;
  /** How long an aborted round may take to wind down once no next round waits for it. */
  settleMs: number;
  /** Told when rounds were skipped because the previous one ran past their start. */
  onSkipped?(count: number): void;
}

export class RoundTimeoutError extends Error {
  override name = "RoundTimeoutError";
}

/** The reason a round is aborted with when the scheduler stops and the round's grace is over. */
export class RoundStoppedError extends Error {
  override name = "RoundStoppedError";
}

/**
 * Runs one round at a time. Round k starts at start + k * interval plus a random jitter, so rounds
 * neither drift nor overlap: a round that overruns makes the rounds it overlapped be skipped.
 */
export class Scheduler {
  private stopping = false;
  private readonly stopped: Promise<void>;
  private markStopped!: () => void;
  private loop: Promise<void> | undefined;
  private current: RunningRound | undefined;
  private currentRound: Promise<unknown> | undefined;
  /** Ends the wait for the next round early (stop). */
  private wakeUp: (() => void) | undefined;

  constructor(private readonly options: SchedulerOptions) {
    this.stopped = new Promise<void>((resolve) => {
      this.markStopped = resolve;
    });
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops scheduling; a running round (also one of `runOnce`) gets `graceMs` to finish, then is aborted. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.markStopped();
    this.wakeUp?.();
    const timer = setTimeout(() => this.current?.abort(new RoundStoppedError("shutting down")), graceMs);
    await this.loop;
    await this.currentRound;
    clearTimeout(timer);
  }

  /** Runs one round now with the timeout; used by `--once`. */
  async runOnce(round = 1): Promise<RoundOutcome> {
    const running = this.runRound(round, false);
    this.currentRound = running;
    const outcome = await running;
    await this.options.onRoundEnd(outcome, round);
    return outcome;
  }

  // The loop runs ten times a second in some collectors, forever: its per-round cost is kept to a timer
  // or two and a few promises (no abortable sleep, no event listeners).
  private async run(): Promise<void> {
    const { intervalMs, jitterMs } = this.options;
    const start = Date.now();
    let round = 0;
    let tick = 0;
    while (!this.stopping) {
      const startAt = start + tick * intervalMs + Math.random() * jitterMs;
      const wait = startAt - Date.now();
      if (wait > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeUp = undefined;
        if (this.stopping) break;
      }
      round++;
      const outcome = await this.runRound(round);
      await this.options.onRoundEnd(outcome, round);
      const next = Math.floor((Date.now() - start) / intervalMs) + 1;
      if (next > tick + 1) this.options.onSkipped?.(next - tick - 1);
      tick = Math.max(tick + 1, next);
    }
  }

  private async runRound(round: number, waitForTimedOut = true): Promise<RoundOutcome> {
    const controller = new AbortController();
    // Settles when the round is aborted (timeout or shutdown), even if the round ignores its signal.
    let rejectAborted!: (reason: unknown) => void;
    const aborted = new Promise<never>((_, reject) => {
      rejectAborted = reject;
    });
    const running: RunningRound = {
      abort: (reason) => {
        if (controller.signal.aborted) return;
        controller.abort(reason);
        rejectAborted(reason);
      },
    };
    this.current = running;
    const began = performance.now();
    const timer = setTimeout(
      () =>
        running.abort(new RoundTimeoutError(`round ${round} timed out after ${this.options.timeoutMs} ms`)),
      this.options.timeoutMs,
    );
    try {
      const work = this.options.round(controller.signal, round);
      try {
        await Promise.race([work, aborted]);
        return { ok: true, timedOut: false, stopped: false, durationMs: performance.now() - began };
      } catch (error) {
        const timedOut = error instanceof RoundTimeoutError;
        // An aborted round winds down (kills its child processes, removes its files) before anything
        // else runs: the next round never overlaps it, and teardown never races it. A round that
        // ignores its signal is given up on, once shutdown has begun, after `settleMs`.
        const settled = work.then(
          () => {},
          () => {},
        );
        const giveUp =
          timedOut && waitForTimedOut
            ? this.stopped.then(() => sleep(this.options.settleMs))
            : sleep(this.options.settleMs);
        await Promise.race([settled, giveUp]);
        const stopped = controller.signal.reason instanceof RoundStoppedError;
        return { ok: false, timedOut, stopped, error: error as Error, durationMs: performance.now() - began };
      }
    } finally {
      clearTimeout(timer);
      this.current = undefined;
      // Nobody listens any more; keep an unhandled rejection from being reported.
      aborted.catch(() => {});
    }
  }
}

interface RunningRound {
  abort(reason: unknown): void;
}
