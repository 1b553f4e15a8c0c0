import { z } from "zod";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Parses a duration such as `500ms`, `10s`, `1m30s`, `2h` or `31d` into milliseconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit!]!;
  return ms;
}

export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A zod schema for a duration string (e.g. `10s`), parsed to milliseconds. */
export function duration(options: { min?: string; max?: string } = {}) {
  const min = options.min ? parseDuration(options.min)! : 0;
  const max = options.max ? parseDuration(options.max)! : Number.POSITIVE_INFINITY;
  const schema = z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = typeof value === "number" ? value : parseDuration(value.trim());
    if (ms === undefined || !Number.isFinite(ms)) {
      ctx.addIssue({
        code: "custom",
        message: `expected a duration such as 500ms, 10s, 1m30s or 2h, got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      const range = `${options.min ?? "0ms"}..${options.max ?? "any"}`;
      ctx.addIssue({
        code: "custom",
        message: `expected a duration in ${range}, got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    return ms;
  });
  // Read by the generated docs, which show a default in milliseconds as a duration (5m).
  return schema.meta({ settingType: "duration" });
}
