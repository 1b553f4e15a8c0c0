import { FaultyJsonServer, type JsonAnswer, type RecordedRequest } from "./faulty-json-server.js";

/**
 * A Backstage software catalog for tests, shaped as the catalog backend's REST API (OpenAPI document
 * `plugins/catalog-backend/src/schema/openapi.yaml`, info.version 1, Backstage 1.x) under
 * `/api/catalog`:
 * - `GET /entities/by-query` with `fields`, `limit` (default 20), `cursor`; answers
 *   `{ items, totalItems, pageInfo: { nextCursor?, prevCursor? } }` (EntitiesQueryResponse)
 * - `GET /entities` with `fields`, `offset`, `limit`: a bare array of entities (the older listing)
 * - `GET /entity-facets?facet=kind`: `{ facets: { kind: [{ value, count }] } }` (EntityFacetsResponse)
 * Errors use the catalog's error shape `{ error: { name, message }, request, response: { statusCode } }`.
 */

export interface BackstageEntity {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    etag?: string;
    description?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    tags?: string[];
  };
  spec?: Record<string, unknown>;
  relations?: { type: string; targetRef: string }[];
}

export interface StartBackstageCatalogOptions {
  /** The catalog's entities, or how many to generate with `backstageEntity(i)` (default 0). */
  entities?: BackstageEntity[] | number;
  /** Require `Authorization: Bearer <token>` (401 otherwise). */
  token?: string;
  /** An older catalog without `/entities/by-query` (404 there); `/entities` still pages by offset. */
  withoutQueryEndpoint?: boolean;
}

const BASE = "/api/catalog";
const KINDS = [
  "Component",
  "Component",
  "Component",
  "API",
  "Resource",
  "System",
  "Group",
  "User",
  "Component",
  "API",
];
const TYPES: Record<string, string[]> = {
  Component: ["service", "website", "library"],
  API: ["openapi", "grpc"],
  Resource: ["database", "s3-bucket"],
  Group: ["team"],
};
const LIFECYCLES = ["production", "experimental", "deprecated"];

/**
 * Entity number `i` of a generated catalog: the same every time, with a known mix (see the
 * comments) so tests can compute what a collector should count.
 */
export function backstageEntity(i: number): BackstageEntity {
  const kind = KINDS[i % KINDS.length] as string;
  const namespace = i % 11 === 3 ? "payments" : "default";
  const name = `${kind.toLowerCase()}-${i}`;
  const annotations: Record<string, string> = {
    "backstage.io/managed-by-location": `url:https://git.example.com/repo-${i % 50}/catalog-info.yaml`,
    "backstage.io/managed-by-origin-location": `url:https://git.example.com/repo-${i % 50}/catalog-info.yaml`,
  };
  // Every 25th entity is orphaned.
  if (i % 25 === 7) annotations["backstage.io/orphan"] = "true";
  const entity: BackstageEntity = {
    apiVersion: "backstage.io/v1alpha1",
    kind,
    metadata: {
      name,
      namespace,
      uid: `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`,
      etag: `etag-${i}`,
      annotations,
      tags: i % 2 === 0 ? ["java"] : ["typescript"],
    },
    relations: [],
  };
  // Every 9th entity has no description.
  if (i % 9 !== 5) entity.metadata.description = `The ${kind} number ${i}`;
  const spec: Record<string, unknown> = {};
  const types = TYPES[kind];
  if (types !== undefined) spec.type = types[i % types.length];
  if (kind === "Component" || kind === "API" || kind === "Resource" || kind === "System") {
    // Every 20th owned entity has no owner; the others belong to one of 7 teams, written as a
    // full ref, a bare name (kind Group and the entity's namespace are implied) or group:name.
    if (i % 20 !== 11) {
      const team = `team-${i % 7}`;
      spec.owner = i % 3 === 0 ? `group:default/${team}` : i % 3 === 1 ? team : `group:${team}`;
      entity.relations?.push({ type: "ownedBy", targetRef: `group:${namespace}/${team}` });
    }
  }
  if (kind === "Component" || kind === "API") spec.lifecycle = LIFECYCLES[i % LIFECYCLES.length];
  // Every 4th component belongs to no system.
  if (kind === "Component" && i % 4 !== 1) spec.system = `system-${i % 5}`;
  if (kind === "User") spec.memberOf = [`team-${i % 7}`];
  if (kind === "Group") spec.children = [];
  entity.spec = spec;
  return entity;
}

export class BackstageCatalogServer extends FaultyJsonServer {
  private entities: BackstageEntity[] | number;

  private constructor(private readonly options: StartBackstageCatalogOptions) {
    super();
    this.entities = options.entities ?? 0;
  }

  static async start(options: StartBackstageCatalogOptions = {}): Promise<BackstageCatalogServer> {
    const server = new BackstageCatalogServer(options);
    await server.listen();
    return server;
  }

  /** The catalog's base URL, `http://127.0.0.1:<port>/api/catalog`. */
  override get url(): string {
    return `${this.origin}${BASE}`;
  }

  /** How many entities the catalog holds. */
  get size(): number {
    return typeof this.entities === "number" ? this.entities : this.entities.length;
  }

  entityAt(i: number): BackstageEntity {
    return typeof this.entities === "number" ? backstageEntity(i) : (this.entities[i] as BackstageEntity);
  }

  setEntities(entities: BackstageEntity[] | number): void {
    this.entities = entities;
  }

  protected answer(request: RecordedRequest, query: URLSearchParams): JsonAnswer {
    if (!request.path.startsWith(`${BASE}/`)) return error(request, 404, "NotFoundError", "Not found");
    if (
      this.options.token !== undefined &&
      request.headers.authorization !== `Bearer ${this.options.token}`
    ) {
      return error(request, 401, "AuthenticationError", "Missing or invalid credentials");
    }
    if (request.method !== "GET") return error(request, 405, "NotAllowedError", "Method not allowed");
    const route = request.path.slice(BASE.length);
    if (route === "/entities/by-query" && !this.options.withoutQueryEndpoint)
      return this.byQuery(request, query);
    if (route === "/entities") return this.list(request, query);
    if (route === "/entity-facets") return this.facets(request, query);
    return error(request, 404, "NotFoundError", `No route for ${route}`);
  }

  protected override faultBody(status: number, request: RecordedRequest): unknown {
    return errorBody(request, status, "injected fault");
  }

  private byQuery(request: RecordedRequest, query: URLSearchParams): JsonAnswer {
    const limit = integerParam(query, "limit", 20);
    if (limit === undefined) return error(request, 400, "InputError", "Invalid limit, not a number");
    let offset = 0;
    const cursor = query.get("cursor");
    if (cursor !== null) {
      const decoded = decodeCursor(cursor);
      if (decoded === undefined) return error(request, 400, "InputError", "Malformed cursor");
      offset = decoded;
    }
    const fields = fieldsParam(query);
    const end = Math.min(this.size, offset + limit);
    const items: unknown[] = [];
    for (let i = offset; i < end; i++) items.push(project(this.entityAt(i), fields));
    const pageInfo: { nextCursor?: string; prevCursor?: string } = {};
    if (end < this.size) pageInfo.nextCursor = encodeCursor(end);
    if (offset > 0) pageInfo.prevCursor = encodeCursor(Math.max(0, offset - limit));
    return { status: 200, body: { items, totalItems: this.size, pageInfo } };
  }

  private list(request: RecordedRequest, query: URLSearchParams): JsonAnswer {
    const offset = integerParam(query, "offset", 0);
    const limit = integerParam(query, "limit", Number.MAX_SAFE_INTEGER);
    if (offset === undefined || limit === undefined) {
      return error(request, 400, "InputError", "Invalid offset or limit, not a number");
    }
    const fields = fieldsParam(query);
    const end = Math.min(this.size, offset + limit);
    const items: unknown[] = [];
    for (let i = offset; i < end; i++) items.push(project(this.entityAt(i), fields));
    return { status: 200, body: items };
  }

  private facets(request: RecordedRequest, query: URLSearchParams): JsonAnswer {
    const wanted = query.getAll("facet");
    if (wanted.length === 0) return error(request, 400, "InputError", "Missing facet parameter");
    const facets: Record<string, { value: string; count: number }[]> = {};
    for (const facet of wanted) {
      const counts = new Map<string, number>();
      for (let i = 0; i < this.size; i++) {
        const value = valueAt(this.entityAt(i), facet.split("."));
        if (typeof value === "string") counts.set(value, (counts.get(value) ?? 0) + 1);
      }
      facets[facet] = [...counts].map(([value, count]) => ({ value, count }));
    }
    return { status: 200, body: { facets } };
  }
}

export function startBackstageCatalog(
  options?: StartBackstageCatalogOptions,
): Promise<BackstageCatalogServer> {
  return BackstageCatalogServer.start(options);
}

function error(request: RecordedRequest, status: number, name: string, message: string): JsonAnswer {
  return { status, body: errorBody(request, status, message, name) };
}

function errorBody(request: RecordedRequest, status: number, message: string, name = "Error"): unknown {
  return {
    error: { name, message },
    request: { method: request.method, url: request.path },
    response: { statusCode: status },
  };
}

function integerParam(query: URLSearchParams, name: string, fallback: number): number | undefined {
  const text = query.get(name);
  if (text === null) return fallback;
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** `fields=a,b` or `fields=a&fields=b`, as the catalog reads them. */
function fieldsParam(query: URLSearchParams): string[][] | undefined {
  const paths = query
    .getAll("fields")
    .flatMap((value) => value.split(","))
    .map((path) => path.trim())
    .filter(Boolean);
  return paths.length === 0 ? undefined : paths.map((path) => path.split("."));
}

/** The entity pruned to the given simplified JSON paths, as the catalog's `fields` does. */
function project(entity: BackstageEntity, fields: string[][] | undefined): unknown {
  if (fields === undefined) return entity;
  const out: Record<string, unknown> = {};
  for (const path of fields) {
    const value = valueAt(entity, path);
    if (value === undefined) continue;
    let target = out;
    for (const key of path.slice(0, -1)) {
      target[key] ??= {};
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1] as string] = value;
  }
  return out;
}

function valueAt(root: unknown, path: string[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString("base64url");
}

function decodeCursor(cursor: string): number | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { offset?: unknown };
    return Number.isInteger(value.offset) && (value.offset as number) >= 0
      ? (value.offset as number)
      : undefined;
  } catch {
    return undefined;
  }
}
