/** Times are bigint nanoseconds since the epoch: a JavaScript number cannot hold them exactly. */

const NS_PER: Record<string, bigint> = {
  ns: 1n,
  u: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};

/** `every` and relative offsets: a whole number and a unit, as InfluxQL writes durations. */
export const DURATION_PATTERN = /^([1-9][0-9]{0,8})(ms|s|m|h|d|w)$/;
const RELATIVE = /^(?:now)?-([1-9][0-9]{0,8})(ms|s|m|h|d|w)$|^now$/;
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

// InfluxDB stores times in a signed 64-bit nanosecond count, less two reserved values.
const MIN_TIME = -9_223_372_036_854_775_806n;
const MAX_TIME = 9_223_372_036_854_775_806n;

export const TIME_SPEC_HELP =
  "expected now, a relative time like -1h (units ms s m h d w) or an RFC 3339 time";

export function durationNs(text: string): bigint | undefined {
  const match = DURATION_PATTERN.exec(text);
  return match ? BigInt(match[1]!) * NS_PER[match[2]!]! : undefined;
}

function parseRfc3339(text: string): bigint | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  // Date.UTC rolls Feb 30 over into March; a real calendar date reads back unchanged.
  if (
    year < 1678 ||
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  let ns = BigInt(ms) * 1_000_000n + BigInt((m[7] ?? "").padEnd(9, "0") || "0");
  if (!m[8]) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    const offset = BigInt(offsetHours * 60 + offsetMinutes) * NS_PER.m!;
    ns += m[9] === "+" ? -offset : offset;
  }
  return ns;
}

/** `now`, `-1h`, `now-30m` or RFC 3339 -> nanoseconds, or undefined when it is none of these. */
export function parseTimeSpec(text: string, nowNs: bigint): bigint | undefined {
  const relative = RELATIVE.exec(text);
  let ns: bigint | undefined;
  if (relative) ns = relative[1] ? nowNs - BigInt(relative[1]) * NS_PER[relative[2]!]! : nowNs;
  else ns = parseRfc3339(text);
  return ns !== undefined && ns >= MIN_TIME && ns <= MAX_TIME ? ns : undefined;
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export function formatNsDuration(ns: bigint): string {
  for (const unit of ["w", "d", "h", "m", "s", "ms"]) {
    const size = NS_PER[unit]!;
    if (ns % size === 0n && ns >= size) return `${ns / size}${unit}`;
  }
  return `${ns}ns`;
}
