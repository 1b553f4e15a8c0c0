import { randomUUID } from "node:crypto";
import { apiVersionOf, type ResourceType, resourceName } from "./resources.js";

/** An object as the API serves it: apiVersion, kind, metadata, and whatever else its kind holds. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeMetadata;
  [field: string]: unknown;
}

export interface KubeMetadata {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoredEvent {
  type: WatchEventType;
  object: KubeObject;
  resourceVersion: number;
}

/** A page-able snapshot of a list, kept so every page of one list shows the same resourceVersion. */
interface ListSnapshot {
  items: KubeObject[];
  resourceVersion: number;
}

const MAX_SNAPSHOTS = 32;

export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** One resource's objects and its bounded event history. */
export class ResourceStore {
  readonly objects = new Map<string, KubeObject>();
  readonly history: StoredEvent[] = [];
  /** A watch or continue token from a resourceVersion below this one gets 410 Gone. */
  compactedTo = 0;
  readonly listeners = new Set<(event: StoredEvent) => void>();

  constructor(readonly type: ResourceType) {}

  get name(): string {
    return resourceName(this.type);
  }

  sorted(): KubeObject[] {
    return [...this.objects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
  }
}

/**
 * Every object of the test API server, with one resourceVersion counter for all of them (as etcd's
 * revision is), a bounded event history per resource for watches to resume from, and the list
 * snapshots that continue tokens point into.
 */
export class KubeStore {
  private revision = 1000;
  private readonly stores = new Map<string, ResourceStore>();
  private readonly snapshots = new Map<string, ListSnapshot & { resource: string }>();
  private nextSnapshot = 0;

  constructor(
    types: readonly ResourceType[],
    private readonly historyLimit: number,
  ) {
    for (const type of types) this.define(type);
  }

  get resourceVersion(): number {
    return this.revision;
  }

  define(type: ResourceType): ResourceStore {
    const name = resourceName(type);
    const existing = this.stores.get(name);
    if (existing) return existing;
    const store = new ResourceStore(type);
    store.compactedTo = this.revision;
    this.stores.set(name, store);
    return store;
  }

  /** By `pods`, `deployments` or `deployments.apps`, `widgets.example.com`. */
  resource(name: string): ResourceStore {
    const store = this.stores.get(name) ?? [...this.stores.values()].find((s) => s.type.plural === name);
    if (!store)
      throw new Error(
        `test API server: unknown resource ${JSON.stringify(name)}; known: ${[...this.stores.keys()].join(", ")}`,
      );
    return store;
  }

  /** The resource served at /api(s)/<group>/<version>/<plural>, if any. */
  find(group: string, version: string, plural: string): ResourceStore | undefined {
    const store = this.stores.get(group === "" ? plural : `${plural}.${group}`);
    return store?.type.version === version ? store : undefined;
  }

  all(): ResourceStore[] {
    return [...this.stores.values()];
  }

  create(resource: string, object: KubeObject): KubeObject {
    const store = this.resource(resource);
    const key = keyOf(store, object);
    if (store.objects.has(key))
      throw new KubeApiError(409, "AlreadyExists", `${store.name} "${key}" already exists`);
    const stored = structuredClone(object);
    stored.apiVersion = apiVersionOf(store.type);
    stored.kind = store.type.kind;
    stored.metadata.uid ??= randomUUID();
    stored.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, "Z");
    stored.metadata.generation ??= 1;
    return this.commit(store, key, "ADDED", stored);
  }

  /**
   * Replaces an object. Like the API server, a change of `spec` raises `metadata.generation`
   * (whatever the caller sent); a change of anything else (status, labels) keeps it.
   */
  update(resource: string, object: KubeObject): KubeObject {
    const store = this.resource(resource);
    const key = keyOf(store, object);
    const current = store.objects.get(key);
    if (!current) throw new KubeApiError(404, "NotFound", `${store.name} "${key}" not found`);
    const stored = structuredClone(object);
    stored.apiVersion = current.apiVersion;
    stored.kind = current.kind;
    stored.metadata.uid = current.metadata.uid;
    stored.metadata.creationTimestamp = current.metadata.creationTimestamp;
    const generation = current.metadata.generation ?? 1;
    const specChanged = JSON.stringify(current.spec) !== JSON.stringify(stored.spec);
    stored.metadata.generation = specChanged ? generation + 1 : generation;
    return this.commit(store, key, "MODIFIED", stored);
  }

  apply(resource: string, object: KubeObject): KubeObject {
    const store = this.resource(resource);
    return store.objects.has(keyOf(store, object))
      ? this.update(resource, object)
      : this.create(resource, object);
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const store = this.resource(resource);
    const object = store.objects.get(store.type.namespaced ? `${namespace}/${name}` : name);
    return object && structuredClone(object);
  }

  remove(resource: string, namespace: string | undefined, name: string): KubeObject {
    const store = this.resource(resource);
    const key = store.type.namespaced ? `${namespace}/${name}` : name;
    const current = store.objects.get(key);
    if (!current) throw new KubeApiError(404, "NotFound", `${store.name} "${key}" not found`);
    return this.commit(store, key, "DELETED", structuredClone(current));
  }

  /** Forgets the history: a watch or a continue token from before now gets 410 Gone. */
  compact(resource?: string): void {
    for (const store of resource === undefined ? this.all() : [this.resource(resource)]) {
      store.history.length = 0;
      store.compactedTo = this.revision;
    }
    for (const [id, snapshot] of this.snapshots) {
      if (snapshot.resourceVersion < this.resource(snapshot.resource).compactedTo) this.snapshots.delete(id);
    }
  }

  /** The first page of a list (`limit` 0: all), and the token of the next page if there is one. */
  list(store: ResourceStore, limit: number, namespace: string | undefined): Page {
    const items = store.sorted().filter((o) => namespace === undefined || o.metadata.namespace === namespace);
    return this.page(store, { items, resourceVersion: this.revision }, 0, limit);
  }

  /** A following page; 410 Gone once the snapshot the token points into has expired. */
  continueList(store: ResourceStore, token: string, limit: number): Page {
    const { id, offset } = decodeContinue(token);
    const snapshot = this.snapshots.get(id);
    if (!snapshot || snapshot.resource !== store.name) {
      throw new KubeApiError(
        410,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
      );
    }
    return this.page(store, snapshot, offset, limit, id);
  }

  /** Drops every list snapshot: the next continue token used gets 410 Gone. */
  expireContinueTokens(): void {
    this.snapshots.clear();
  }

  private page(
    store: ResourceStore,
    snapshot: ListSnapshot,
    offset: number,
    limit: number,
    id?: string,
  ): Page {
    const end = limit > 0 ? Math.min(offset + limit, snapshot.items.length) : snapshot.items.length;
    const items = snapshot.items.slice(offset, end);
    if (end >= snapshot.items.length) {
      if (id !== undefined) this.snapshots.delete(id);
      return { items, resourceVersion: snapshot.resourceVersion, remaining: 0 };
    }
    let snapshotId = id;
    if (snapshotId === undefined) {
      snapshotId = String(this.nextSnapshot++);
      this.snapshots.set(snapshotId, { ...snapshot, resource: store.name });
      if (this.snapshots.size > MAX_SNAPSHOTS) this.snapshots.delete(this.snapshots.keys().next().value!);
    }
    return {
      items,
      resourceVersion: snapshot.resourceVersion,
      continue: encodeContinue(snapshotId, end),
      remaining: snapshot.items.length - end,
    };
  }

  private commit(store: ResourceStore, key: string, type: WatchEventType, object: KubeObject): KubeObject {
    const resourceVersion = ++this.revision;
    object.metadata.resourceVersion = String(resourceVersion);
    if (type === "DELETED") store.objects.delete(key);
    else store.objects.set(key, object);
    const event: StoredEvent = { type, object, resourceVersion };
    store.history.push(event);
    if (store.history.length > this.historyLimit) {
      const dropped = store.history.shift()!;
      store.compactedTo = dropped.resourceVersion;
    }
    for (const listener of store.listeners) listener(event);
    return structuredClone(object);
  }
}

export interface Page {
  items: KubeObject[];
  resourceVersion: number;
  continue?: string;
  remaining: number;
}

function keyOf(store: ResourceStore, object: KubeObject): string {
  const name = object?.metadata?.name;
  if (typeof name !== "string" || name === "")
    throw new Error(`test API server: a ${store.type.kind} needs metadata.name`);
  if (!store.type.namespaced) return name;
  const namespace = object.metadata.namespace;
  if (typeof namespace !== "string" || namespace === "") {
    throw new Error(`test API server: ${store.type.kind} ${name} needs metadata.namespace`);
  }
  return `${namespace}/${name}`;
}

function encodeContinue(id: string, offset: number): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", id, offset })).toString("base64url");
}

function decodeContinue(token: string): { id: string; offset: number } {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (typeof parsed.id === "string" && Number.isInteger(parsed.offset)) return parsed;
  } catch {
    // falls through to the same answer as the API server's
  }
  throw new KubeApiError(400, "BadRequest", `continue key is not valid: ${JSON.stringify(token)}`);
}
