import { parseTimeSpec } from "../query/time-range.js";
import type { Expr } from "./ast.js";

// The time range a WHERE clause reads, as InfluxDB works it out: only conditions on `time` joined to
// the rest by AND count; a bound the gateway cannot evaluate counts as none.

const NS_PER: Record<string, bigint> = {
  ns: 1n,
  u: 1_000n,
  µ: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};

/** `10s`, `1h30m`, `-5m` -> nanoseconds. */
export function durationLiteralNs(text: string): bigint {
  const negative = text.startsWith("-");
  let total = 0n;
  for (const [, count, unit] of text.matchAll(/([0-9]+)(ns|ms|u|µ|s|m|h|d|w)/g))
    total += BigInt(count!) * NS_PER[unit!]!;
  return negative ? -total : total;
}

/** InfluxQL's time strings: RFC 3339, or `YYYY-MM-DD[ HH:MM:SS[.fff]]` in UTC. */
function timeString(text: string, now: bigint): bigint | undefined {
  const plain = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?))?$/.exec(text);
  const rfc = plain ? `${plain[1]}T${plain[2] ?? "00:00:00"}Z` : text;
  if (!/^\d{4}-/.test(rfc)) return undefined;
  return parseTimeSpec(rfc, now);
}

/** The nanoseconds an expression on the other side of `time` stands for, when it is a constant. */
export function timeValue(expr: Expr, now: bigint): bigint | undefined {
  switch (expr.kind) {
    case "call":
      return expr.name === "now" && expr.args.length === 0 ? now : undefined;
    case "integer":
      return expr.value;
    case "number":
      return Number.isFinite(expr.value) ? BigInt(Math.trunc(expr.value)) : undefined;
    case "duration":
      return durationLiteralNs(expr.text);
    case "string":
      return timeString(expr.value, now);
    case "binary": {
      if (expr.op !== "+" && expr.op !== "-") return undefined;
      const left = timeValue(expr.left, now);
      const right = timeValue(expr.right, now);
      if (left === undefined || right === undefined) return undefined;
      return expr.op === "+" ? left + right : left - right;
    }
    default:
      return undefined;
  }
}

export interface TimeBounds {
  /** Inclusive, in nanoseconds. */
  from?: bigint;
  to?: bigint;
}

const isTime = (expr: Expr) => expr.kind === "var" && expr.name.toLowerCase() === "time";
const FLIPPED: Record<string, string> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=" };

function conjuncts(expr: Expr | undefined): Expr[] {
  if (!expr) return [];
  if (expr.kind === "binary" && expr.op === "AND") return [...conjuncts(expr.left), ...conjuncts(expr.right)];
  return [expr];
}

export function timeBounds(where: Expr | undefined, now: bigint): TimeBounds {
  const bounds: TimeBounds = {};
  const lower = (ns: bigint) => {
    if (bounds.from === undefined || ns > bounds.from) bounds.from = ns;
  };
  const upper = (ns: bigint) => {
    if (bounds.to === undefined || ns < bounds.to) bounds.to = ns;
  };
  for (const condition of conjuncts(where)) {
    if (condition.kind !== "binary") continue;
    let op: string = condition.op;
    let other: Expr;
    if (isTime(condition.left)) other = condition.right;
    else if (isTime(condition.right)) {
      other = condition.left;
      op = FLIPPED[op] ?? op;
    } else continue;
    const ns = timeValue(other, now);
    if (ns === undefined) continue;
    if (op === ">=") lower(ns);
    else if (op === ">") lower(ns + 1n);
    else if (op === "<=") upper(ns);
    else if (op === "<") upper(ns - 1n);
    else if (op === "=") {
      lower(ns);
      upper(ns);
    }
  }
  return bounds;
}
