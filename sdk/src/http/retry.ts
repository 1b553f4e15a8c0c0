/**
 * Statuses worth another attempt: 408 and 429 ask for one, and 5xx are mostly passing (a restart,
 * an overloaded backend), except 501 and 505 which will not change.
 */
export function isRetryableStatus(status: number): boolean {
  return (
    status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505)
  );
}

/**
 * Milliseconds a Retry-After header asks for: delay-seconds or an HTTP-date (RFC 9110 10.2.3).
 * undefined when absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === "") return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date form starts with a day name; Date.parse would read "-5" as a year.
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Exponential backoff with "equal jitter": half the step fixed, half random, so clients that failed
 * together spread out without any of them retrying at once.
 */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  const step = Math.min(maxMs, baseMs * 2 ** retry);
  return step / 2 + random() * (step / 2);
}
