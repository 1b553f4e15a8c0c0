import { type CliOption, type CommonConfig, duration, subjectToken, z } from "@platform-metrics/sdk";
import { ADAPTERS, type AdapterName } from "./adapters/index.js";

const adapterNames = Object.keys(ADAPTERS) as [AdapterName, ...AdapterName[]];

/** `group:default/team-a`, `namespace:payments` or `broker:<name>`: what the `orgs` map keys may be. */
const orgKey = /^(namespace:[^\s/:]+|broker:[^\s/:]+|([a-z0-9_.-]+:)?([^\s/:]+\/)?[^\s/:]+)$/i;

const adapterOptions = Object.assign(
  {},
  ...Object.values(ADAPTERS).map((adapter) => adapter.options),
) as z.ZodRawShape;

export const configSchema = z.object({
  adapter: z.enum(adapterNames).describe(`the catalog's kind: ${adapterNames.join(" or ")}`),
  url: z
    .url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" })
    .refine(
      (url) => !/^[a-z]+:\/\/[^/]*@/i.test(url),
      "put credentials in PM_CATALOG_TOKEN or PM_CATALOG_PASSWORD, not in the URL",
    )
    .describe("the catalog's base URL, e.g. http://backstage:7007/api/catalog or http://broker:8080"),
  orgs: z
    .record(z.string(), subjectToken)
    .superRefine((orgs, ctx) => {
      for (const key of Object.keys(orgs)) {
        if (!orgKey.test(key)) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `key ${JSON.stringify(key)}: expected an owner ref (group:default/team-a), namespace:<name> or broker:<name>`,
          });
        }
      }
    })
    .default({})
    .describe("owner ref, namespace:<name> or broker:<name> -> org, as JSON in PM_ORGS; others go to PM_ORG"),
  catalogToken: z.string().min(1).optional().describe("bearer token (backstage); never logged"),
  catalogUser: z.string().min(1).optional().describe("user name for basic authentication (osb)"),
  catalogPassword: z
    .string()
    .min(1)
    .optional()
    .describe("password for basic authentication (osb); never logged"),
  pageSize: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(500)
    .describe("entities per page (default 500)"),
  maxPages: z.coerce
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe("most pages read per round; a catalog with more is written as partial (default 1000)"),
  requestTimeout: duration({ min: "100ms" })
    .default(30_000)
    .describe("longest one request may take (default 30s)"),
  retries: z.coerce
    .number()
    .int()
    .min(0)
    .max(10)
    .default(3)
    .describe("retries of a request after 429, 5xx or a network error, with backoff (default 3)"),
  maxSeries: z.coerce
    .number()
    .int()
    .min(10)
    .default(5000)
    .describe(
      "most kind/type/lifecycle combinations per round; the rest count under type _other (default 5000)",
    ),
  ...adapterOptions,
});

export type CatalogConfig = z.output<typeof configSchema> & CommonConfig & Record<string, unknown>;

export const cliOptions: Record<string, CliOption> = {
  adapter: { type: "string", description: `catalog kind: ${adapterNames.join(" or ")} (PM_ADAPTER)` },
  url: { type: "string", description: "the catalog's base URL (PM_URL)" },
};
