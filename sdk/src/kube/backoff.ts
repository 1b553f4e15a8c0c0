import { setTimeout as sleep } from "node:timers/promises";

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/**
 * The wait before retry number `attempt` (1, 2, ...): doubling from initialMs up to maxMs, each a
 * random 50-100% of it, so collectors that lost the API server together do not return together.
 */
export function backoffDelay(
  attempt: number,
  { initialMs, maxMs }: BackoffOptions,
  random = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
  return ceiling * (0.5 + random() / 2);
}

/** Waits, or returns early (without throwing) when the signal aborts. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => {});
}
