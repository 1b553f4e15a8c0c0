import { z } from "@platform-metrics/sdk";
import { HttpError } from "@platform-metrics/sdk/http";
import type { AdapterDefinition, AdapterOutcome, AdapterRound, CatalogEntity } from "./adapter.js";
import { isObject, shape } from "./json-shape.js";

/**
 * Backstage software catalog, REST API of the catalog backend (its OpenAPI document, info.version
 * 1, Backstage 1.x), base URL `.../api/catalog`, bearer token:
 * - `GET /entities/by-query?fields=...&limit=N`, then `?cursor=<pageInfo.nextCursor>` until there
 *   is none (EntitiesQueryResponse `{ items, totalItems, pageInfo }`);
 * - `GET /entities?fields=...&offset=K&limit=N` (a bare array) for catalogs without by-query;
 * - `GET /entity-facets?facet=kind` (`{ facets: { kind: [{ value, count }] } }`): the total, to
 *   check that the paging saw everything.
 */
const FIELDS = [
  "kind",
  "metadata.namespace",
  "metadata.description",
  "metadata.annotations",
  "spec.type",
  "spec.lifecycle",
  "spec.owner",
  "spec.system",
].join(",");
const ORPHAN = "backstage.io/orphan";

type Api = "by-query" | "entities";

class NoQueryEndpoint extends Error {
  constructor(override readonly cause: HttpError) {
    super(cause.message);
  }
}

export const backstage: AdapterDefinition = {
  description: "Backstage software catalog (catalog backend REST API, base URL .../api/catalog)",
  options: {
    backstageApi: z
      .enum(["auto", "by-query", "entities"])
      .default("auto")
      .describe(
        "backstage: by-query (cursor paging), entities (offset paging, older catalogs) or auto: by-query, else entities when it answers 404 (default auto)",
      ),
  },
  create() {
    let found: Api | undefined;
    return {
      async read(round) {
        const configured = round.config.backstageApi as "auto" | Api;
        const expectedItems = await facetTotal(round);
        const api = configured === "auto" ? (found ?? "by-query") : configured;
        try {
          const outcome = api === "by-query" ? await byQuery(round) : await byOffset(round);
          if (configured === "auto") found = api;
          return { ...outcome, expectedItems };
        } catch (error) {
          if (!(error instanceof NoQueryEndpoint)) throw error;
          if (configured !== "auto") throw error.cause;
          round.log.info("the catalog has no /entities/by-query (404): paging /entities by offset");
          found = "entities";
          return { ...(await byOffset(round)), expectedItems };
        }
      },
    };
  },
};

async function byQuery(round: AdapterRound): Promise<AdapterOutcome> {
  const { http, config, signal } = round;
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let pages = 1; ; pages++) {
    const query = { fields: FIELDS, limit: config.pageSize, cursor };
    const { body, url } = await http
      .getJson<unknown>("/entities/by-query", { query, signal })
      .catch((error) => {
        // Only a 404 before any page means an older catalog; later it is an error like any other.
        throw pages === 1 && error instanceof HttpError && error.status === 404
          ? new NoQueryEndpoint(error)
          : error;
      });
    round.page();
    if (!isObject(body) || !Array.isArray(body.items) || !isObject(body.pageInfo)) {
      throw new Error(
        `GET ${url}: expected { items: [...], totalItems, pageInfo } (EntitiesQueryResponse), got ${shape(body)}`,
      );
    }
    addEntities(round, body.items);
    const next = body.pageInfo.nextCursor;
    if (typeof next !== "string" || next === "" || body.items.length === 0) return { complete: true };
    if (seen.has(next))
      throw new Error(`GET ${url}: pageInfo.nextCursor repeats an earlier cursor; paging stopped`);
    if (pages >= config.maxPages) return capped(config.maxPages);
    seen.add(next);
    cursor = next;
  }
}

async function byOffset(round: AdapterRound): Promise<AdapterOutcome> {
  const { http, config, signal } = round;
  for (let pages = 1, offset = 0; ; pages++) {
    const query = { fields: FIELDS, limit: config.pageSize, offset };
    const { body, url } = await http.getJson<unknown>("/entities", { query, signal });
    round.page();
    if (!Array.isArray(body))
      throw new Error(`GET ${url}: expected an array of entities, got ${shape(body)}`);
    addEntities(round, body);
    // Fewer than asked is the last page; more means the catalog ignored limit and sent them all.
    if (body.length !== config.pageSize) return { complete: true };
    if (pages >= config.maxPages) return capped(config.maxPages);
    offset += body.length;
  }
}

function capped(maxPages: number): AdapterOutcome {
  return { complete: false, incompleteReason: `stopped at the page cap (PM_MAX_PAGES=${maxPages})` };
}

/** The number of entities per /entity-facets; undefined when the catalog does not say. */
async function facetTotal(round: AdapterRound): Promise<number | undefined> {
  try {
    const { body } = await round.http.getJson<unknown>("/entity-facets", {
      query: { facet: "kind" },
      signal: round.signal,
    });
    const kinds = isObject(body) && isObject(body.facets) ? body.facets.kind : undefined;
    if (!Array.isArray(kinds)) return undefined;
    return kinds.reduce(
      (sum: number, facet: unknown) =>
        sum + (isObject(facet) && typeof facet.count === "number" ? facet.count : 0),
      0,
    );
  } catch (error) {
    if (round.signal.aborted) throw error;
    round.log.debug({ err: (error as Error).message }, "no entity count from /entity-facets");
    return undefined;
  }
}

function addEntities(round: AdapterRound, items: unknown[]): void {
  const batch: CatalogEntity[] = [];
  for (const item of items) {
    const entity = toEntity(item);
    if (typeof entity === "string") round.malformed(entity);
    else batch.push(entity);
  }
  round.entities(batch);
}

/** The counted parts of an entity, or why it cannot be counted. */
function toEntity(item: unknown): CatalogEntity | string {
  if (!isObject(item) || typeof item.kind !== "string" || item.kind === "") return "an entity without a kind";
  const metadata = isObject(item.metadata) ? item.metadata : {};
  const spec = isObject(item.spec) ? item.spec : {};
  for (const key of ["type", "lifecycle", "owner", "system"] as const) {
    if (spec[key] !== undefined && typeof spec[key] !== "string")
      return `an entity whose spec.${key} is not a string`;
  }
  const annotations = isObject(metadata.annotations) ? metadata.annotations : {};
  return {
    kind: item.kind,
    type: spec.type as string | undefined,
    lifecycle: spec.lifecycle as string | undefined,
    owner: spec.owner as string | undefined,
    namespace: typeof metadata.namespace === "string" ? metadata.namespace : undefined,
    hasDescription: typeof metadata.description === "string" && metadata.description.trim() !== "",
    orphaned: annotations[ORPHAN] === "true",
    inSystem: typeof spec.system === "string" && spec.system !== "",
  };
}
