// Powers of ten up to the most decimals the fast path tries; each is exact as a double.
const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];
const MAX_SAFE = 2 ** 53;

/**
 * A finite float as line-protocol text that reads back as exactly the same double.
 *
 * `String(value)` finds the shortest such text, which costs about 100 ns. Most readings have a few
 * decimals (percentages, seconds, sizes), and those have a cheaper proof: when `r = round(value * 10^k)`
 * is an exact integer and `r / 10^k === value`, the decimal text "r with k decimals" parses to the
 * double nearest r / 10^k, which is what the division rounds to as well, i.e. `value` itself. The
 * smallest k that passes gives the fewest digits, which is what `String` would write in this range.
 * Anything else (many digits, tiny or huge numbers) goes to `String`.
 */
export function formatFloat(value: number): string {
  if (Number.isInteger(value)) {
    // String(-0) is "0"; keep the sign so the value reads back identical.
    return value === 0 && 1 / value < 0 ? "-0" : String(value);
  }
  // One multiplication tells whether there are at most 6 decimals at all (a loose test: the exact one
  // follows), so a reading with many digits costs only this before String.
  const scaled = value * 1_000_000;
  const rounded = Math.round(scaled);
  if (!(Math.abs(scaled - rounded) <= 1e-6 * (1 + Math.abs(scaled)) * 1e-6)) return String(value);
  for (let k = 1; k < POW10.length; k++) {
    const p = POW10[k]!;
    const r = Math.round(value * p);
    if (r / p === value && r < MAX_SAFE && r > -MAX_SAFE) return withDecimals(r, k);
  }
  return String(value);
}

// "r with k decimals" from numbers rather than slices of the digits: the whole part and the decimals
// are small integers, whose text V8 caches, so this usually allocates just the result.
function withDecimals(r: number, k: number): string {
  const negative = r < 0;
  const abs = negative ? -r : r;
  const p = POW10[k]!;
  const decimals = abs % p;
  const whole = (abs - decimals) / p;
  let fraction = String(decimals);
  // 0.05 is r = 5 with k = 2: the decimals are "05".
  while (fraction.length < k) fraction = `0${fraction}`;
  const text = `${whole}.${fraction}`;
  return negative ? `-${text}` : text;
}
