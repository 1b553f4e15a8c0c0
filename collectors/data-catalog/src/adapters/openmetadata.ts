import { z } from "@platform-metrics/sdk";
import {
  type CatalogAdapter,
  CatalogFormatError,
  type CatalogPage,
  type DatasetRecord,
  type Group,
} from "./adapter.js";
import { describeIssue } from "./validate.js";

/**
 * OpenMetadata's REST API, 1.5 and later (tables' `owners` is a list since 1.5): `GET /api/v1/tables`
 * answers `{ data, paging: { total, after } }`; the next page is asked for with `after`, and the
 * last page has no `after`. A bearer token (a bot's JWT) authenticates.
 */
const TABLES = "/api/v1/tables";

const listPage = z.object({
  data: z.array(z.unknown()),
  paging: z.object({ total: z.number().int().min(0).optional(), after: z.string().min(1).optional() }),
});

const groups = new Map<string, Group>();
function serviceOwnerGroup(service: string, owner: string | undefined): Group {
  const key = `${service}\u0000${owner ?? ""}`;
  let group = groups.get(key);
  if (group === undefined) {
    const orgKeys = owner === undefined ? [`service:${service}`] : [owner, `service:${service}`];
    group = { key, tags: { service, owner }, orgKeys };
    if (groups.size < 100_000) groups.set(key, group);
  }
  return group;
}

/** A table's owner for its group: the first team, else the first user (`team:<name>`, `user:<name>`). */
function ownerOf(owners: readonly { type: string; name: string }[]): string | undefined {
  const owner =
    owners.find((entry) => entry.type === "team") ?? owners.find((entry) => entry.type === "user");
  return owner === undefined ? undefined : `${owner.type}:${owner.name}`;
}

/** A table reduced to a record, read in place (a schema would copy each one: see ckan.ts). */
function toRecord(raw: unknown, malformed: string[]): DatasetRecord | undefined {
  const value = raw as Record<string, unknown> | null;
  const id = value?.id;
  const problem = (what: string) => {
    malformed.push(`table ${typeof id === "string" && id !== "" ? id : "(no id)"}: ${what}`);
    return undefined;
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) return problem("not an object");
  if (typeof id !== "string" || id === "") return problem("id: expected a non-empty string");
  const service = (value.service as { name?: unknown } | null | undefined)?.name;
  if (typeof service !== "string" || service === "")
    return problem("service.name: expected a non-empty string");
  const owners = value.owners ?? [];
  if (!Array.isArray(owners)) return problem("owners: expected a list");
  for (const owner of owners as unknown[]) {
    const { type, name } = (owner ?? {}) as { type?: unknown; name?: unknown };
    if (typeof type !== "string" || typeof name !== "string" || name === "") {
      return problem("owners: expected entity references with type and name");
    }
  }
  const tags = value.tags ?? [];
  if (!Array.isArray(tags)) return problem("tags: expected a list");
  const tableType = value.tableType;
  if (tableType !== undefined && typeof tableType !== "string")
    return problem("tableType: expected a string");
  const updatedAt = value.updatedAt;
  return {
    id,
    group: serviceOwnerGroup(service, ownerOf(owners as { type: string; name: string }[])),
    formats: tableType === undefined || tableType === "" ? [] : [tableType],
    modifiedMs: typeof updatedAt === "number" && Number.isFinite(updatedAt) ? updatedAt : undefined,
    tagged: tags.length > 0,
  };
}

export const openmetadata: CatalogAdapter = {
  name: "openmetadata",
  reads: { resources: false },

  tokenHeader: (token) => ({ name: "Authorization", value: `Bearer ${token}` }),

  async *pages(api): AsyncIterable<CatalogPage> {
    let after: string | undefined;
    for (;;) {
      const body = listPage.safeParse(
        await api.getJson(TABLES, { fields: "owners,tags", limit: api.pageSize, after }),
      );
      if (!body.success) {
        throw new CatalogFormatError(`openmetadata tables: not a list answer (${describeIssue(body.error)})`);
      }
      const malformed: string[] = [];
      const datasets: DatasetRecord[] = [];
      for (const raw of body.data.data) {
        const record = toRecord(raw, malformed);
        if (record !== undefined) datasets.push(record);
      }
      const next = body.data.paging.after;
      yield { datasets, malformed, total: body.data.paging.total, last: next === undefined };
      if (next === undefined) return;
      // A server that hands back the cursor it was given would page forever.
      if (next === after) throw new CatalogFormatError("openmetadata tables: paging.after did not move on");
      after = next;
    }
  },
};
