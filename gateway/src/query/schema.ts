import { RESERVED_TAGS } from "@platform-metrics/sdk/contracts";
import { z } from "zod";
import { DURATION_PATTERN, TIME_SPEC_HELP } from "./time-range.js";

/**
 * Aggregates a query may use; percentiles become PERCENTILE(field, N), and rate the per-second increase
 * of a counter between buckets, NON_NEGATIVE_DERIVATIVE(MAX(field), 1s).
 */
export const AGGREGATES = [
  "mean",
  "min",
  "max",
  "sum",
  "count",
  "first",
  "last",
  "median",
  "spread",
  "stddev",
  "p50",
  "p90",
  "p95",
  "p99",
  "rate",
] as const;
export type Aggregate = (typeof AGGREGATES)[number];

// Names and values are quoted and escaped in the InfluxQL, so any text is safe there; control
// characters are refused because line protocol cannot store them and they only hide mistakes, and
// lone UTF-16 surrogates because they have no UTF-8 form (they cannot be sent to InfluxDB at all).
export function isPlainText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (code >= 0xdc00 || !(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}
const PLAIN_TEXT_HELP = "must not contain control characters or lone UTF-16 surrogates";
const identifier = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(256, `${what} is longer than 256 characters`)
    .refine(isPlainText, `${what} ${PLAIN_TEXT_HELP}`);
const tagValue = z
  .string()
  .max(1024, "a tag value is longer than 1024 characters")
  .refine(isPlainText, `a tag value ${PLAIN_TEXT_HELP}`);
const timeSpec = z.string().min(1).max(64).refine(isPlainText, PLAIN_TEXT_HELP).describe(TIME_SPEC_HELP);

export const querySchema = z
  .object({
    measurement: identifier("measurement").describe("measurement name, e.g. k8s_pod"),
    fields: z
      .array(identifier("a field"))
      .min(1, "expected at least one field")
      .max(32, "expected at most 32 fields")
      .describe("fields to return"),
    aggregate: z
      .enum(AGGREGATES)
      .optional()
      .describe(
        "aggregate applied to every field; rate is a counter's per-second increase between buckets (from each bucket's max, never negative; needs every)",
      ),
    every: z
      .string()
      .regex(DURATION_PATTERN, "expected a duration like 10s, 5m, 1h or 1d (units ms s m h d w)")
      .optional()
      .describe("time bucket of the aggregate; needs aggregate"),
    fill: z
      .union([z.enum(["null", "none", "previous", "linear"]), z.number().min(-1e15).max(1e15)])
      .optional()
      .describe("value of empty buckets; needs every"),
    groupBy: z.array(identifier("a groupBy tag")).max(16).optional().describe("tags to split series by"),
    where: z
      .record(
        identifier("a where tag"),
        z.union([tagValue, z.array(tagValue).min(1).max(100, "expected at most 100 values")]),
      )
      .optional()
      .describe("tag equality; a list matches any of its values"),
    range: z
      .object({
        from: timeSpec.describe(`start: ${TIME_SPEC_HELP}`),
        to: timeSpec.optional().describe("end (default now)"),
      })
      .strict(),
    limit: z.number().int().min(1).max(10_000_000).optional().describe("most points per series"),
    org: z
      .string()
      .max(64)
      .refine(isPlainText, `org ${PLAIN_TEXT_HELP}`)
      .optional()
      .describe("org to read; needed when the token grants several"),
  })
  .strict()
  .superRefine((query, ctx) => {
    if (query.every && !query.aggregate) {
      ctx.addIssue({ code: "custom", path: ["every"], message: "every needs an aggregate" });
    }
    if (query.fill !== undefined && !query.every) {
      ctx.addIssue({ code: "custom", path: ["fill"], message: "fill needs every" });
    }
    if (query.aggregate === "rate") rateProblems(query, ctx);
    for (const [index, field] of query.fields.entries()) {
      if ((RESERVED_TAGS as readonly string[]).includes(field)) {
        ctx.addIssue({
          code: "custom",
          path: ["fields", index],
          message: `${field} is a tag (${RESERVED_TAGS.join(", ")} are set by the platform), not a field; use groupBy or where`,
        });
      }
    }
    if (query.where && Object.hasOwn(query.where, "org")) {
      ctx.addIssue({
        code: "custom",
        path: ["where", "org"],
        message: "the org is set by the org field and the token, not by where",
      });
    }
  });

/**
 * A rate compares the largest value of each bucket with the bucket before, so it needs buckets. A
 * filled-in value (previous, a number) would read as the counter stalling and then jumping, or
 * dropping to it: a false zero rate, then a spike. Empty buckets stay empty (null, none) or linear.
 */
function rateProblems(query: { every?: string; fill?: unknown }, ctx: z.RefinementCtx): void {
  if (!query.every) {
    ctx.addIssue({
      code: "custom",
      path: ["every"],
      message:
        "aggregate rate needs every: the per-second increase between buckets of that size, e.g. every 1m",
    });
  }
  if (query.fill === "previous" || typeof query.fill === "number") {
    ctx.addIssue({
      code: "custom",
      path: ["fill"],
      message: `aggregate rate takes fill null, none or linear, not ${JSON.stringify(query.fill)}: a filled-in total reads as a false stall and spike`,
    });
  }
}

export type StructuredQuery = z.output<typeof querySchema>;

/** The first problems of a failed parse, each with the path of the value it is about. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      // A bad where key is reported as "Invalid key in record", with the key's own problem inside.
      const message =
        issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      const path = issue.path.map((part) =>
        typeof part === "string" && !isPlainText(part) ? JSON.stringify(part) : String(part),
      );
      return `${path.length ? path.join(".") : "body"}: ${message}`;
    })
    .join("; ")
    .slice(0, 1000);
}
