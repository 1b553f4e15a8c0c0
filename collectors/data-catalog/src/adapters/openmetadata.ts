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

const reference = z.object({ type: z.string().min(1), name: z.string().min(1) });

const table = z.object({
  id: z.string().min(1),
  updatedAt: z.number().optional(),
  tableType: z.string().optional(),
  service: z.object({ name: z.string().min(1) }),
  owners: z.array(reference).optional().default([]),
  tags: z.array(z.unknown()).optional().default([]),
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

function toRecord(raw: unknown, malformed: string[]): DatasetRecord | undefined {
  const parsed = table.safeParse(raw);
  if (!parsed.success) {
    const id = (raw as { id?: unknown } | null)?.id;
    malformed.push(`table ${typeof id === "string" ? id : "(no id)"}: ${describeIssue(parsed.error)}`);
    return undefined;
  }
  const value = parsed.data;
  const updatedAt = value.updatedAt;
  return {
    id: value.id,
    group: serviceOwnerGroup(value.service.name, ownerOf(value.owners)),
    formats: value.tableType === undefined ? [] : [value.tableType],
    modifiedMs: updatedAt !== undefined && Number.isFinite(updatedAt) ? updatedAt : undefined,
    tagged: value.tags.length > 0,
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
