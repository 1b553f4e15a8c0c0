import { z } from "@platform-metrics/sdk";
import {
  type CatalogAdapter,
  type CatalogApi,
  CatalogFormatError,
  type CatalogPage,
  type CatalogSummary,
  type DatasetRecord,
  type Group,
  type Query,
} from "./adapter.js";
import { describeIssue } from "./validate.js";

/**
 * CKAN's action API (`/api/3/action/<action>`), as CKAN 2.9, 2.10 and 2.11 serve it: every answer
 * is `{ help, success, result }`; package_search pages with `rows` (CKAN caps it at its
 * `ckan.search.rows_max`, 1000 by default, without saying so) and `start`; organization_list with
 * `all_fields=true` at most `ckan.group_and_organization_list_all_fields_max` (25) per call.
 */
const ACTION = "/api/3/action/";

const envelope = z.object({ success: z.literal(true), result: z.unknown() });

const facetItems = z
  .object({ items: z.array(z.object({ name: z.string(), count: z.number().int().min(0) })) })
  .optional();

const searchSummary = z.object({
  count: z.number().int().min(0),
  search_facets: z.object({ organization: facetItems, res_format: facetItems }).optional(),
});

const searchPage = z.object({ count: z.number().int().min(0), results: z.array(z.unknown()) });

const organizationList = z.array(z.object({ name: z.string().min(1) }).or(z.unknown()));

async function action(api: CatalogApi, name: string, query: Query) {
  const body = envelope.safeParse(await api.getJson(ACTION + name, query));
  if (!body.success) {
    throw new CatalogFormatError(`ckan ${name}: not a CKAN action API answer (${describeIssue(body.error)})`);
  }
  return body.data.result;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CatalogFormatError(`ckan ${what}: ${describeIssue(parsed.error)}`);
  return parsed.data;
}

const groups = new Map<string, Group>();
function organizationGroup(name: string | undefined): Group {
  const key = name ?? "";
  let group = groups.get(key);
  if (group === undefined) {
    group = { key, tags: { organization: name }, orgKeys: name === undefined ? [] : [name] };
    // Organizations are few and long-lived; the cache keeps one object per name across rounds.
    if (groups.size < 100_000) groups.set(key, group);
  }
  return group;
}

/** CKAN writes its timestamps in UTC without a zone, e.g. 2024-05-01T10:20:30.123456. */
export function ckanTimestampMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? ms : undefined;
}

function resourceSize(value: unknown): number | undefined {
  const number = typeof value === "string" && /^\d{1,18}$/.test(value.trim()) ? Number(value) : value;
  return typeof number === "number" && Number.isFinite(number) && number >= 0
    ? Math.round(number)
    : undefined;
}

/**
 * A package dict reduced to a record, read in place rather than through a schema: a schema copies
 * every dataset it checks, and a 20,000-dataset round then makes twice the garbage (see the bench).
 */
function toRecord(raw: unknown, malformed: string[]): DatasetRecord | undefined {
  const value = raw as Record<string, unknown> | null;
  const id = value?.id;
  const problem = (what: string) => {
    malformed.push(`dataset ${typeof id === "string" && id !== "" ? id : "(no id)"}: ${what}`);
    return undefined;
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) return problem("not an object");
  if (typeof id !== "string" || id === "") return problem("id: expected a non-empty string");
  const isPrivate = value.private ?? false;
  if (typeof isPrivate !== "boolean") return problem("private: expected true or false");
  const organization = value.organization ?? null;
  const organizationName = (organization as { name?: unknown } | null)?.name;
  if (organization !== null && (typeof organizationName !== "string" || organizationName === "")) {
    return problem("organization.name: expected a non-empty string");
  }
  const rawResources = value.resources ?? [];
  if (!Array.isArray(rawResources)) return problem("resources: expected a list");
  const resources: { format: string; size: number | undefined }[] = [];
  for (const resource of rawResources as unknown[]) {
    if (typeof resource !== "object" || resource === null) return problem("resources: expected objects");
    const { format, size } = resource as { format?: unknown; size?: unknown };
    if (format !== undefined && format !== null && typeof format !== "string") {
      return problem("resources.format: expected a string");
    }
    resources.push({ format: format?.trim() ?? "", size: resourceSize(size) });
  }
  const tags = value.tags ?? [];
  if (!Array.isArray(tags)) return problem("tags: expected a list");
  const modified = value.metadata_modified;
  return {
    id,
    group: organizationGroup(organization === null ? undefined : (organizationName as string)),
    private: isPrivate,
    resources,
    modifiedMs: typeof modified === "string" ? ckanTimestampMs(modified) : undefined,
    tagged: tags.length > 0,
  };
}

export const ckan: CatalogAdapter = {
  name: "ckan",
  reads: { resources: true },

  tokenHeader: (token, options) => ({ name: options.ckanTokenHeader, value: token }),

  async summary(api): Promise<CatalogSummary> {
    const privacy = { include_private: api.hasToken ? true : undefined };
    const counts = parse(
      searchSummary,
      await action(api, "package_search", {
        rows: 0,
        "facet.field": '["organization","res_format"]',
        "facet.limit": -1,
        ...privacy,
      }),
      "package_search",
    );
    const byName = new Map<string, number>();
    for (const item of counts.search_facets?.organization?.items ?? []) byName.set(item.name, item.count);
    const formatDatasets = new Map<string, number>();
    for (const item of counts.search_facets?.res_format?.items ?? []) {
      if (item.name.trim() !== "") formatDatasets.set(item.name.trim(), item.count);
    }
    let errors = 0;
    // Organizations without datasets are not in the facet; the list names them, so they get real zeros.
    try {
      for (const name of await organizationNames(api)) if (!byName.has(name)) byName.set(name, 0);
    } catch (error) {
      errors++;
      api.log.warn(
        `ckan organization_list failed, organizations without datasets are left out: ${(error as Error).message}`,
      );
    }
    let privateCounted = false;
    if (api.hasToken) {
      try {
        privateCounted = await tokenSeesOrganizations(api);
        if (!privateCounted) {
          api.log.warn(
            "ckan: PM_CATALOG_TOKEN is set but CKAN lists no organization the token can read " +
              "(organization_list_for_user is empty: an unknown or expired token counts as anonymous); private datasets are not counted",
          );
        }
      } catch (error) {
        errors++;
        api.log.warn(
          `ckan organization_list_for_user failed, private datasets taken as not counted: ${(error as Error).message}`,
        );
      }
    }
    const datasetsWithoutOrganization =
      counts.count - [...byName.values()].reduce((total, count) => total + count, 0);
    const summaryGroups = [...byName].map(([name, datasets]) => ({
      group: organizationGroup(name),
      datasets,
    }));
    if (datasetsWithoutOrganization > 0) {
      summaryGroups.push({ group: organizationGroup(undefined), datasets: datasetsWithoutOrganization });
    }
    return { total: counts.count, groups: summaryGroups, formatDatasets, privateCounted, errors };
  },

  async *pages(api): AsyncIterable<CatalogPage> {
    const privacy = { include_private: api.hasToken ? true : undefined };
    let start = 0;
    for (;;) {
      const page = parse(
        searchPage,
        await action(api, "package_search", {
          rows: api.pageSize,
          start,
          // Oldest first: datasets created while the round pages land on the last page, not mid-way.
          sort: "metadata_created asc, id asc",
          facet: "false",
          ...privacy,
        }),
        "package_search",
      );
      const malformed: string[] = [];
      const datasets: DatasetRecord[] = [];
      for (const raw of page.results) {
        const record = toRecord(raw, malformed);
        if (record !== undefined) datasets.push(record);
      }
      // CKAN may return fewer rows than asked (its rows_max): move on by what came.
      start += page.results.length;
      const last = page.results.length === 0 || start >= page.count;
      yield { datasets, malformed, total: page.count, last };
      if (last) return;
    }
  },
};

/** Every organization's name, from organization_list with all_fields, page by page. */
async function organizationNames(api: CatalogApi): Promise<string[]> {
  const names: string[] = [];
  let previous = 0;
  for (let page = 0; page < 1000; page++) {
    const items = parse(
      organizationList,
      await action(api, "organization_list", {
        all_fields: true,
        sort: "name asc",
        limit: 1000,
        offset: names.length,
      }),
      "organization_list",
    );
    for (const item of items) {
      const name = (item as { name?: unknown }).name;
      if (typeof name === "string" && name !== "") names.push(name);
    }
    // CKAN clamps limit to its own maximum: a page shorter than the one before is the last.
    if (items.length === 0 || (page > 0 && items.length < previous)) return names;
    previous = items.length;
  }
  return names;
}

async function tokenSeesOrganizations(api: CatalogApi): Promise<boolean> {
  const items = parse(
    z.array(z.unknown()),
    await action(api, "organization_list_for_user", { permission: "read" }),
    "organization_list_for_user",
  );
  return items.length > 0;
}
