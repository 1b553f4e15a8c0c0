import { type CliOption, type CommonConfig, duration, z } from "@platform-metrics/sdk";

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const GROUP = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const VERSION = /^v[0-9]+((alpha|beta)[0-9]+)?$/;

/** A custom resource to measure reconcile latency for: `{ group, version, plural }` or `plural.group/version`. */
const customResource = z.preprocess(
  (value) => {
    if (typeof value !== "string") return value;
    const match = /^([^./]+)\.([^/]+)\/([^/]+)$/.exec(value.trim());
    return match ? { plural: match[1], group: match[2], version: match[3] } : value;
  },
  z.object(
    {
      group: z.string().regex(GROUP, "expected an API group such as example.com"),
      version: z.string().regex(VERSION, "expected an API version such as v1 or v1beta1"),
      plural: z.string().regex(DNS_LABEL, "expected the lowercase plural, e.g. widgets"),
      kind: z
        .string()
        .regex(/^[A-Z][A-Za-z0-9]{0,62}$/, "expected a Kind such as Widget")
        .optional(),
    },
    { error: "expected { group, version, plural } or plural.group/version, e.g. widgets.example.com/v1" },
  ),
);

export const configSchema = z.object({
  orgLabel: z
    .string()
    .regex(
      /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/,
      "expected a label key such as platform-metrics.io/org",
    )
    .default("platform-metrics.io/org")
    .describe(
      "namespace label whose value is the org of the namespace's points (default platform-metrics.io/org)",
    ),
  customResources: z
    .array(customResource)
    .default([])
    .describe(
      "custom resources to time reconciles of: plural.group/version, comma-separated, or objects in PM_CONFIG",
    ),
  reconcilePendingAfter: duration({ min: "1s" })
    .default(60_000)
    .describe("an object waiting longer than this for its controller counts as pending (default 60s)"),
  pageSize: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(500)
    .describe("objects per list page (default 500)"),
  watchTimeout: duration({ min: "10s" })
    .default(300_000)
    .describe("ask the API server to end each watch after this long; it is then resumed (default 5m)"),
  retryMax: duration({ min: "1s" })
    .default(30_000)
    .describe("longest wait between retries after errors (default 30s)"),
});

export type K8sApiConfig = z.output<typeof configSchema> & CommonConfig;
export type CustomResourceConfig = K8sApiConfig["customResources"][number];

export const cliOptions: Record<string, CliOption> = {
  "org-label": { type: "string", description: "namespace label holding the org (PM_ORG_LABEL)" },
};
