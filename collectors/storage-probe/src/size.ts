import { z } from "@platform-metrics/sdk";

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};
const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/**
 * Parses `4k`, `64MiB`, `1g` or a plain number of bytes. Multiples are binary (k = 1024), as in fio,
 * so a size means the same to both engines. Returns undefined when malformed.
 */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (!match) return undefined;
  const unit = UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

export function formatSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A zod schema for a size (`64MiB`, `4k`, or bytes), parsed to bytes. */
export function size(options: { min?: number } = {}) {
  const min = options.min ?? 1;
  const schema = z.union([z.string(), z.number()]).transform((value, ctx) => {
    const bytes = typeof value === "number" ? value : parseSize(value);
    if (bytes === undefined || !Number.isSafeInteger(bytes)) {
      ctx.addIssue({
        code: "custom",
        message: `expected a size such as 4k, 64MiB or 1GiB (binary multiples), got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    if (bytes < min) {
      ctx.addIssue({
        code: "custom",
        message: `expected at least ${formatSize(min)}, got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    return bytes;
  });
  // Read by the generated docs, which show a default in bytes as a size (64MiB).
  return schema.meta({ settingType: "size" });
}
