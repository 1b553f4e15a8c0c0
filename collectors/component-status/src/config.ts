import { type CliOption, type CommonConfig, duration, subjectToken, z } from "@platform-metrics/sdk";

const httpUrl = z
  .string()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: "expected an http:// or https:// URL",
  });

/** Tab is allowed in a header value; CR, LF and the other control characters are not. */
function noControlCharacters(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 32 && code !== 9) || code === 127) return false;
  }
  return true;
}

const status = z.coerce.number().int().min(100).max(599);

/** One component to probe; a bare URL string is a target named by its URL. */
const target = z.preprocess(
  (value) => (typeof value === "string" ? { url: value } : value),
  z
    .object({
      name: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .describe("the target tag (default the URL without its query)"),
      url: httpUrl,
      org: subjectToken.optional(),
      timeout: duration({ min: "10ms", max: "10m" }).optional(),
      expectStatus: z
        .union([status, z.array(status).min(1)])
        .optional()
        .transform((value) => (value === undefined ? undefined : Array.isArray(value) ? value : [value])),
      versionPath: z
        .string()
        .regex(/^[^.\s]+(\.[^.\s]+)*$/, "expected a dotted JSON path such as version or build.version")
        .optional(),
      headers: z
        .record(
          z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "expected an HTTP header name"),
          z
            .string()
            .refine(noControlCharacters, "expected a header value without line breaks or control characters"),
        )
        .default({}),
      scrape: z.boolean().default(false),
      accept: z.string().min(1).refine(noControlCharacters, "expected an Accept header value").optional(),
      ca: z.string().min(1).optional().describe("PEM file of the CA to trust for this HTTPS target"),
      insecureSkipVerify: z.boolean().default(false),
    })
    .strict(),
);

export const configSchema = z.object({
  targets: z
    .array(target)
    .default([])
    .describe("components to probe: objects in PM_CONFIG, or URLs comma-separated")
    .superRefine((targets, ctx) => {
      const seen = new Set<string>();
      for (const [i, t] of targets.entries()) {
        const name = t.name ?? t.url;
        if (seen.has(name))
          ctx.addIssue({ code: "custom", path: [i, "name"], message: `target name ${name} is used twice` });
        seen.add(name);
      }
    }),
  timeout: duration({ min: "10ms", max: "10m" })
    .default(5000)
    .describe("time limit of one target's request, redirects and body included (default 5s)"),
  concurrency: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(32)
    .describe("targets probed at once (default 32)"),
  maxRedirects: z.coerce.number().int().min(0).max(20).default(5).describe("redirects followed (default 5)"),
  maxBodyBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .max(256 * 1024 * 1024)
    .default(4 * 1024 * 1024)
    .describe("largest body read from a target; a larger one is reason=payload (default 4 MiB)"),
  maxSeries: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(10_000)
    .describe("samples kept per scraped target and round; the rest are counted as dropped (default 10000)"),
  discovery: z
    .union([z.boolean(), z.enum(["true", "false"]).transform((value) => value === "true")])
    .default(false)
    .describe("scrape Services and Pods annotated platform-metrics.io/scrape (default false)"),
  orgLabel: z
    .string()
    .min(1)
    .default("platform-metrics.io/org")
    .describe(
      "namespace label whose value is the org of discovered targets (default platform-metrics.io/org)",
    ),
  retryMax: duration({ min: "1s" })
    .default(30_000)
    .describe("longest wait between retries of the Kubernetes API (default 30s)"),
});

export type ComponentStatusConfig = z.output<typeof configSchema> & CommonConfig;
export type TargetConfig = ComponentStatusConfig["targets"][number];

export const cliOptions: Record<string, CliOption> = {
  discovery: { type: "boolean", description: "scrape annotated Services and Pods (PM_DISCOVERY)" },
};
