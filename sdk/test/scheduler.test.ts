import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { type RoundOutcome, Scheduler } from "../src/runtime/scheduler.js";

function recordingScheduler(
  round: (signal: AbortSignal, n: number) => Promise<void>,
  options: { timeoutMs?: number } = {},
) {
  const outcomes: RoundOutcome[] = [];
  let running = 0;
  let started = 0;
  let maxRunning = 0;
  let skipped = 0;
  const scheduler = new Scheduler({
    intervalMs: 20,
    jitterMs: 5,
    timeoutMs: options.timeoutMs ?? 1000,
    settleMs: 50,
    round: async (signal, n) => {
      running++;
      started++;
      maxRunning = Math.max(maxRunning, running);
      try {
        await round(signal, n);
      } finally {
        running--;
      }
    },
    onRoundEnd: (outcome) => void outcomes.push(outcome),
    onSkipped: (count) => {
      skipped += count;
    },
  });
  return {
    scheduler,
    outcomes,
    maxRunning: () => maxRunning,
    skipped: () => skipped,
    started: () => started,
  };
}

/** Polls until `condition` holds; the limit is only for a test that went wrong. */
async function until(condition: () => boolean, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(5);
  }
}

describe("scheduler", () => {
  it("keeps going after a round that throws, and counts it", async () => {
    const { scheduler, outcomes } = recordingScheduler(async (_signal, n) => {
      if (n === 2) throw new Error("boom");
    });
    scheduler.start();
    await until(() => outcomes.length >= 4);
    await scheduler.stop(100);
    expect(outcomes[1]).toMatchObject({ ok: false, timedOut: false, stopped: false });
    expect(outcomes[1]!.error!.message).toBe("boom");
    expect(outcomes.filter((o) => o.ok).length).toBeGreaterThanOrEqual(3);
  });

  it("aborts a round at its timeout and never overlaps the next one", async () => {
    const { scheduler, outcomes, maxRunning, skipped } = recordingScheduler(
      async (signal, n) => {
        // Round 1 overruns three intervals and ignores nothing: it stops when aborted.
        if (n === 1) await sleep(60, undefined, { signal }).catch(() => {});
      },
      { timeoutMs: 30 },
    );
    scheduler.start();
    await until(() => outcomes.length >= 3);
    await scheduler.stop(100);
    expect(outcomes[0]).toMatchObject({ ok: false, timedOut: true });
    expect(outcomes[0]!.error!.message).toMatch(/round 1 timed out after 30 ms/);
    expect(maxRunning()).toBe(1);
    expect(skipped()).toBeGreaterThanOrEqual(1);
  });

  it("waits for a timed-out round that is slow to give up before starting another", async () => {
    let finishedLate = false;
    const { scheduler, outcomes, maxRunning } = recordingScheduler(
      async (_signal, n) => {
        if (n === 1) {
          await sleep(80); // ignores the abort signal
          finishedLate = true;
        }
      },
      { timeoutMs: 10 },
    );
    scheduler.start();
    await until(() => outcomes.length >= 2);
    await scheduler.stop(100);
    expect(finishedLate).toBe(true);
    expect(maxRunning()).toBe(1);
  });

  it("on stop lets the running round finish within the grace period", async () => {
    let finished = false;
    const { scheduler, outcomes, started } = recordingScheduler(async () => {
      await sleep(50);
      finished = true;
    });
    scheduler.start();
    await until(() => started() >= 1);
    await scheduler.stop(1000);
    expect(finished).toBe(true);
    expect(outcomes.at(-1)!.ok).toBe(true);
  });

  it("on stop aborts a round that does not finish within the grace period", async () => {
    const { scheduler, outcomes, started } = recordingScheduler(async (signal) => {
      await sleep(10_000, undefined, { signal });
    });
    scheduler.start();
    await until(() => started() >= 1);
    await scheduler.stop(20);
    expect(outcomes.at(-1)).toMatchObject({ ok: false, timedOut: false, stopped: true });
    expect(outcomes.at(-1)!.error!.message).toBe("shutting down");
  });

  it("on stop lets an aborted round wind down before returning", async () => {
    let cleanedUp = false;
    const { scheduler, started } = recordingScheduler(async (signal) => {
      await sleep(10_000, undefined, { signal }).catch(async () => {
        await sleep(30); // e.g. killing a child process and removing its files
        cleanedUp = true;
      });
    });
    scheduler.start();
    await until(() => started() >= 1);
    await scheduler.stop(10);
    expect(cleanedUp).toBe(true);
  });

  it("on stop gives up waiting for a timed-out round that never ends", async () => {
    let roundSignal: AbortSignal | undefined;
    const { scheduler, outcomes } = recordingScheduler(
      (signal) => {
        roundSignal = signal;
        return new Promise<void>(() => {});
      },
      { timeoutMs: 10 },
    );
    scheduler.start();
    // Timed out (and aborted) before the stop.
    await until(() => roundSignal?.aborted === true);
    await scheduler.stop(20);
    expect(outcomes[0]).toMatchObject({ ok: false, timedOut: true });
  });

  it("on stop gives up on a round that ignores its abort signal", async () => {
    const { scheduler, outcomes, started } = recordingScheduler(() => new Promise<void>(() => {}));
    scheduler.start();
    await until(() => started() >= 1);
    await scheduler.stop(20);
    expect(outcomes.at(-1)).toMatchObject({ ok: false, timedOut: false });
  });
});
