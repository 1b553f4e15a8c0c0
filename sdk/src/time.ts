/** Current time as integer nanoseconds since the epoch (millisecond resolution, exact as bigint). */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export function dateToNs(date: Date): bigint {
  return BigInt(date.getTime()) * 1_000_000n;
}

export function nsToDate(ns: bigint): Date {
  return new Date(Number(ns / 1_000_000n));
}
