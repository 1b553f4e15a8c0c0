// Formats values by their declared unit (the SDK's closed list): bytes as KiB/MiB/GiB, durations as
// ns/µs/ms/s, percent with %, counts and rates with k/M/G. One scale per axis, chosen by its largest tick.
// A counter's rate per second comes in the gateway's rate units: count/s, bytes/s, and s/s (a share).

const IEC = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
const SI = ["", "k", "M", "G", "T", "P"];
const SECONDS = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1 };
const DURATIONS = [
  ["ns", 1e-9],
  ["µs", 1e-6],
  ["ms", 1e-3],
  ["s", 1],
  ["min", 60],
  ["h", 3600],
];

function power(reference, base, steps) {
  let index = 0;
  while (index < steps - 1 && Math.abs(reference) >= base ** (index + 1)) index++;
  return index;
}

/** The unit of a counter's rate per second, as the gateway's answer states it (none for other units). */
export const RATE_UNITS = { count: "count/s", bytes: "bytes/s", s: "s/s" };
export const rateUnit = (unit) => (Object.hasOwn(RATE_UNITS, unit ?? "") ? RATE_UNITS[unit] : undefined);

/** Divisor and suffix that show `reference` (in `unit`) as a short number. */
function scaleFor(unit, reference) {
  const size = Math.abs(reference) || 0;
  if (unit === "bytes" || unit === "bytes/s") {
    const index = power(size, 1024, IEC.length);
    return { divisor: 1024 ** index, suffix: ` ${IEC[index]}${unit === "bytes/s" ? "/s" : ""}` };
  }
  if (unit in SECONDS) {
    const seconds = size * SECONDS[unit];
    // Zero stays in the declared unit; otherwise the largest unit the value reaches (minutes and
    // hours from two of them: "90 s" reads better than "1.5 min").
    const fits = DURATIONS.filter(([, factor]) => seconds >= (factor >= 60 ? 2 * factor : factor));
    const [name, factor] =
      seconds === 0 || fits.length === 0 ? DURATIONS.find(([, f]) => f === SECONDS[unit]) : fits.at(-1);
    return { divisor: factor / SECONDS[unit], suffix: ` ${name}` };
  }
  if (unit === "percent") return { divisor: 1, suffix: "%" };
  // Seconds busy per second: 1 is one core (or worker) all the time, shown as 100%.
  if (unit === "s/s") return { divisor: 0.01, suffix: "%" };
  if (unit === "celsius") return { divisor: 1, suffix: " °C" };
  const index = power(size, 1000, SI.length);
  const prefix = SI[index];
  if (unit === "watts") return { divisor: 1000 ** index, suffix: ` ${prefix}W` };
  if (unit === "ops/s") return { divisor: 1000 ** index, suffix: `${prefix} ops/s` };
  if (unit === "count/s") return { divisor: 1000 ** index, suffix: `${prefix}/s` };
  return { divisor: 1000 ** index, suffix: prefix };
}

/** A short decimal: 3 significant digits at most, no grouping, never exponent notation below 1e21. */
export function shortNumber(value) {
  const size = Math.abs(value);
  const digits = size === 0 || size >= 100 ? 0 : size >= 10 ? 1 : size >= 1 ? 2 : 3;
  return String(Number(value.toFixed(digits)));
}

/** A formatter for numbers of `unit`, scaled for `reference` (the axis's largest tick). */
export function unitFormatter(unit, reference) {
  const { divisor, suffix } = scaleFor(unit, reference);
  return (value) => (value === null || value === undefined ? "" : `${shortNumber(value / divisor)}${suffix}`);
}

/** One value, numbers scaled for themselves; booleans and strings as they are. */
export function formatValue(unit, value) {
  if (value === null || value === undefined) return "";
  if (typeof value !== "number") return String(value);
  return unitFormatter(unit, value)(value);
}

/** Tick steps for an axis: powers of two of KiB/MiB/GiB for bytes, uPlot's decimal ones otherwise. */
export function tickSteps(unit) {
  if (unit !== "bytes" && unit !== "bytes/s") return undefined;
  const steps = [];
  for (let power = 0; power <= 50; power++) steps.push(2 ** power);
  return steps;
}
