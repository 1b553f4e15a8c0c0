import { waitFor as waitForValue } from "@platform-metrics/testing";

/**
 * Polls until `check` holds, at most `timeoutMs`; an error from it counts as "not yet". The gateway
 * tests' argument order over the one polling loop, @platform-metrics/testing's waitFor.
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
  everyMs = 25,
): Promise<void> {
  await waitForValue(what, async () => (await check()) || undefined, { timeoutMs, everyMs });
}
