import type { ServerResponse } from "node:http";
import { answerWithFault, type FaultOptions, FaultQueue, type HttpFault } from "./http-faults.js";
import { JsonServer, type SeenRequest, sendJson } from "./json-server.js";

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

export class BackstageCatalogServer {
  /** What the server was asked, in order. */
  readonly requests: SeenRequest[];
  private readonly faults = new FaultQueue();
  private entities: BackstageEntity[] | number;

  private constructor(
    private readonly server: JsonServer,
    private readonly options: StartBackstageCatalogOptions,
    handler: { self?: BackstageCatalogServer },
  ) {
    this.requests = server.requests;
    this.entities = options.entities ?? 0;
    handler.self = this;
  }

  static async start(options: StartBackstageCatalogOptions = {}): Promise<BackstageCatalogServer> {
    const handler: { self?: BackstageCatalogServer } = {};
    const server = await JsonServer.start((request, res) => handler.self?.handle(request, res));
    return new BackstageCatalogServer(server, options, handler);
  }

  /** The catalog's base URL, `http://127.0.0.1:<port>/api/catalog`. */
  get url(): string {
    return `${this.server.origin}${BASE}`;
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

  /** The next matching request(s) get `fault` instead of an answer. */
  fault(fault: HttpFault, options?: FaultOptions): void {
    this.faults.add(fault, options);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Requests whose path ends with `suffix`, in order. */
  requestsTo(suffix: string): SeenRequest[] {
    return this.server.requestsTo(suffix);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private handle(request: SeenRequest, res: ServerResponse) {
    const fault = this.faults.take(request.path);
    if (fault !== undefined)
      return answerWithFault(res, fault, (status) => errorBody(request, status, "injected fault"));
    if (!request.path.startsWith(`${BASE}/`))
      return this.error(res, request, 404, "NotFoundError", "Not found");
    if (
      this.options.token !== undefined &&
      request.headers.authorization !== `Bearer ${this.options.token}`
    ) {
      return this.error(res, request, 401, "AuthenticationError", "Missing or invalid credentials");
    }
    if (request.method !== "GET")
      return this.error(res, request, 405, "NotAllowedError", "Method not allowed");
    const route = request.path.slice(BASE.length);
    if (route === "/entities/by-query" && !this.options.withoutQueryEndpoint)
      return this.byQuery(request, res);
    if (route === "/entities") return this.list(request, res);
    if (route === "/entity-facets") return this.facets(request, res);
    return this.error(res, request, 404, "NotFoundError", `No route for ${route}`);
  }

  private byQuery(request: SeenRequest, res: ServerResponse) {
    const limit = integerParam(request.query, "limit", 20);
    if (limit === undefined)
      return this.error(res, request, 400, "InputError", "Invalid limit, not a number");
    let offset = 0;
    const cursor = request.query.get("cursor");
    if (cursor !== null) {
      const decoded = decodeCursor(cursor);
      if (decoded === undefined) return this.error(res, request, 400, "InputError", "Malformed cursor");
      offset = decoded;
    }
    const fields = fieldsParam(request.query);
    const end = Math.min(this.size, offset + limit);
    const items: unknown[] = [];
    for (let i = offset; i < end; i++) items.push(project(this.entityAt(i), fields));
    const pageInfo: { nextCursor?: string; prevCursor?: string } = {};
    if (end < this.size) pageInfo.nextCursor = encodeCursor(end);
    if (offset > 0) pageInfo.prevCursor = encodeCursor(Math.max(0, offset - limit));
    sendJson(res, 200, { items, totalItems: this.size, pageInfo });
  }

  private list(request: SeenRequest, res: ServerResponse) {
    const offset = integerParam(request.query, "offset", 0);
    const limit = integerParam(request.query, "limit", Number.MAX_SAFE_INTEGER);
    if (offset === undefined || limit === undefined) {
      return this.error(res, request, 400, "InputError", "Invalid offset or limit, not a number");
    }
    const fields = fieldsParam(request.query);
    const end = Math.min(this.size, offset + limit);
    const items: unknown[] = [];
    for (let i = offset; i < end; i++) items.push(project(this.entityAt(i), fields));
    sendJson(res, 200, items);
  }

  private facets(request: SeenRequest, res: ServerResponse) {
    const wanted = request.query.getAll("facet");
    if (wanted.length === 0) return this.error(res, request, 400, "InputError", "Missing facet parameter");
    const facets: Record<string, { value: string; count: number }[]> = {};
    for (const facet of wanted) {
      const counts = new Map<string, number>();
      for (let i = 0; i < this.size; i++) {
        const value = valueAt(this.entityAt(i), facet.split("."));
        if (typeof value === "string") counts.set(value, (counts.get(value) ?? 0) + 1);
      }
      facets[facet] = [...counts].map(([value, count]) => ({ value, count }));
    }
    sendJson(res, 200, { facets });
  }

  private error(
    res: ServerResponse,
    request: SeenRequest,
    status: number,
    name: string,
    message: string,
  ): void {
    sendJson(res, status, errorBody(request, status, message, name));
  }
}

export function startBackstageCatalog(
  options?: StartBackstageCatalogOptions,
): Promise<BackstageCatalogServer> {
  return BackstageCatalogServer.start(options);
}

function errorBody(request: SeenRequest, status: number, message: string, name = "Error"): unknown {
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
