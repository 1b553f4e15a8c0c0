import { type CliOption, type CommonConfig, duration, subjectToken, z } from "@platform-metrics/sdk";
import { ADAPTER_NAMES } from "./adapters/index.js";

const catalogUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.search === "" && url.hash === "";
    } catch {
      return false;
    }
  }, "expected the catalog's base URL, http(s)://host[:port][/path], without ? or #")
  .transform((value) => value.replace(/\/+$/, ""));

export const configSchema = z.object({
  adapter: z
    .enum(ADAPTER_NAMES, { error: `expected one of ${ADAPTER_NAMES.join(", ")}` })
    .describe(`the catalog's API: ${ADAPTER_NAMES.join(" or ")} (required)`),
  url: catalogUrl.describe(
    "the catalog's base URL, e.g. http://ckan:5000 or http://openmetadata:8585 (required)",
  ),
  catalogName: subjectToken.optional().describe("the catalog tag of the points (default the adapter's name)"),
  orgs: z
    .record(z.string().min(1, "expected a non-empty key"), subjectToken)
    .default({})
    .describe(
      "catalog group -> org: a CKAN organization name; openmetadata team:<name>, user:<name> or service:<name> (JSON in PM_ORGS)",
    ),
  staleAfter: duration({ min: "1m" })
    .default(90 * 86_400_000)
    .describe("a dataset not modified for this long counts as stale (default 90d)"),
  catalogToken: z
    .string()
    .min(1)
    .optional()
    .describe(
      "API token: CKAN's (sent in PM_CKAN_TOKEN_HEADER, and private datasets are asked for), OpenMetadata's bearer token",
    ),
  catalogUser: z
    .string()
    .min(1)
    .optional()
    .describe("user for basic auth, e.g. a proxy in front of CKAN (with PM_CATALOG_PASSWORD)"),
  catalogPassword: z.string().min(1).optional().describe("password for basic auth"),
  ckanTokenHeader: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, "expected an HTTP header name such as Authorization")
    .default("Authorization")
    .describe("header CKAN reads its API token from (its apitoken_header_name; default Authorization)"),
  pageSize: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .describe(
      "datasets per page, at most 1000 (default 100: small pages die young in the heap; see the README's memory figures)",
    ),
  maxPages: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(1000)
    .describe("most pages read per round; past it the round's points are marked partial (default 1000)"),
  requestTimeout: duration({ min: "100ms" })
    .default(30_000)
    .describe("time limit of one request, retries apart (default 30s)"),
  retries: z.coerce
    .number()
    .int()
    .min(0)
    .max(10)
    .default(3)
    .describe("retries of a request after a 429, a 5xx or a network error (default 3)"),
});

export type DataCatalogConfig = z.output<typeof configSchema> & CommonConfig;

export const cliOptions: Record<string, CliOption> = {
  adapter: { type: "string", description: `the catalog's API: ${ADAPTER_NAMES.join(" or ")} (PM_ADAPTER)` },
  url: { type: "string", description: "the catalog's base URL (PM_URL)" },
};
