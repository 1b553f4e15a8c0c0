// One time format everywhere on the page, 24-hour, in the browser's time zone (stated in the header).

const pad = (n) => String(n).padStart(2, "0");

export function zoneName() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? "local time";
}

/** "UTC+05:30" for the browser's current offset. */
export function zoneOffset(date = new Date()) {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes < 0 ? "-" : "+";
  return `UTC${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}

/** `2026-12-02 18:30:05`; for axis ticks, shorter forms chosen by the span shown. */
export function formatTime(seconds, spanSeconds) {
  const d = new Date(seconds * 1000);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const hms = `${hm}:${pad(d.getSeconds())}`;
  if (spanSeconds === undefined) return `${date} ${hms}`;
  if (spanSeconds <= 900) return hms;
  if (spanSeconds <= 86_400) return hm;
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
}

/** ISO 8601 with the browser's offset, for CSV: unambiguous and in the same zone as the page. */
export function isoLocal(seconds) {
  const d = new Date(seconds * 1000);
  return `${formatTime(seconds).replace(" ", "T")}${zoneOffset(d).slice(3)}`;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE = /^(?:now)?-(\d+)(ms|s|m|h|d|w)$/;

/** The gateway's time specs (`now`, `-1h`, `now-30m`, RFC 3339) as epoch milliseconds; NaN if none. */
export function specToMs(spec, nowMs = Date.now()) {
  if (spec === "now") return nowMs;
  const relative = RELATIVE.exec(spec);
  if (relative) return nowMs - Number(relative[1]) * UNIT_MS[relative[2]];
  return Date.parse(spec);
}

export const isRelative = (spec) => spec === "now" || RELATIVE.test(spec);

/** RFC 3339 in UTC, whole seconds: what the URL holds for a zoomed or custom range. */
export function msToSpec(ms) {
  return new Date(Math.round(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

const LOCAL = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)(?::(\d\d))?$/;

/** Text of the custom range's inputs, in the page's one format, <-> epoch milliseconds. */
export function toLocalInput(ms) {
  return formatTime(ms / 1000);
}
export function fromLocalInput(text) {
  const m = LOCAL.exec(text.trim());
  const date = m && new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0));
  // The Date constructor rolls month 13 or 25:00 over; a real time reads back unchanged.
  if (!date || date.getMonth() !== +m[2] - 1 || date.getDate() !== +m[3] || date.getHours() !== +m[4]) {
    throw new Error(`${JSON.stringify(text)}: expected a time like 2026-01-31 18:30:00`);
  }
  return date.getTime();
}

// Bucket sizes the dashboard asks for; `every` is the smallest that is at least the data's interval
// and keeps a chart under MAX_BUCKETS.
const EVERY = [
  ["1s", 1],
  ["5s", 5],
  ["10s", 10],
  ["15s", 15],
  ["30s", 30],
  ["1m", 60],
  ["2m", 120],
  ["5m", 300],
  ["10m", 600],
  ["15m", 900],
  ["30m", 1800],
  ["1h", 3600],
  ["3h", 10_800],
  ["6h", 21_600],
  ["12h", 43_200],
  ["1d", 86_400],
];
const MAX_BUCKETS = 300;

export function chooseEvery(spanSeconds, intervalSeconds) {
  const least = Math.max(intervalSeconds ?? 1, spanSeconds / MAX_BUCKETS);
  return (EVERY.find(([, size]) => size >= least) ?? EVERY[EVERY.length - 1])[0];
}
