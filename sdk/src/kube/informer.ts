import type { Logger } from "../log.js";
import { type BackoffOptions, backoffDelay, pause } from "./backoff.js";
import { httpError, type KubeClient, KubeHttpError, readBody } from "./client.js";
import { type Json, Malformed } from "./fields.js";
import { readLines } from "./read-lines.js";

/** One resource to follow: where it is, and what to keep of each object. */
export interface ResourceSpec<T> {
  /** `pods`, `deployments.apps`: how RBAC names it, and the `resource` tag of the self-metrics. */
  name: string;
  /** The cluster-wide collection, e.g. /api/v1/pods. */
  path: string;
  /** The record kept for an object; throws Malformed to skip it. */
  record(raw: unknown): T;
}

/** Where an object came from: the first list, a later list (after 410 Gone), or a watch event. */
export type UpsertSource = "list" | "relist" | "watch";

export interface InformerHandlers<T> {
  /** An object appeared or changed. */
  upsert?(key: string, next: T, previous: T | undefined, source: UpsertSource): void;
  remove?(key: string, previous: T): void;
}

export interface InformerOptions {
  pageSize: number;
  /** Asked of the server per watch (timeoutSeconds), spread by up to 10% so watches do not end together. */
  watchTimeoutSeconds: number;
  backoff: BackoffOptions;
  log: Logger;
}

export interface InformerStats {
  lists: number;
  pages: number;
  relists: number;
  watches: number;
  watchRestarts: number;
  errors: number;
  forbidden: number;
  malformed: number;
}

class Gone extends Error {}

/**
 * Keeps a live copy of one resource: a paged list, then a watch from the list's resourceVersion
 * (with bookmarks, so a quiet resource's version stays fresh), resumed from the last version seen
 * when it ends or breaks, and a new list when the server says 410 Gone. Errors back off with jitter;
 * a 403 is logged with the resource and verb, counted, and retried, and the other informers go on.
 */
export class Informer<T> {
  readonly objects = new Map<string, T>();
  readonly stats: InformerStats = {
    lists: 0,
    pages: 0,
    relists: 0,
    watches: 0,
    watchRestarts: 0,
    errors: 0,
    forbidden: 0,
    malformed: 0,
  };
  /** The first list has completed. */
  synced = false;
  /** Why the last request failed, while it keeps failing. */
  lastError: KubeHttpError | Error | undefined;
  private readonly stopper = new AbortController();
  private running: Promise<void> | undefined;
  private readonly warned = new Set<string>();
  private settledWaiters: (() => void)[] = [];

  constructor(
    private readonly client: KubeClient,
    readonly spec: ResourceSpec<T>,
    private readonly options: InformerOptions,
    private readonly handlers: InformerHandlers<T> = {},
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /**
   * Listed, or refused in a way that will not pass by itself (4xx: forbidden, not installed):
   * a round need not wait for it.
   */
  get settled(): boolean {
    return this.synced || (this.lastError instanceof KubeHttpError && this.lastError.status < 500);
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }

  /** Resolves once settled, or when the signal aborts. */
  async waitSettled(signal: AbortSignal): Promise<void> {
    if (this.settled || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        // A wait given up on (a round's share of time) is forgotten: rounds that keep waiting on an
        // API server that stays down must not pile up waiters.
        this.settledWaiters = this.settledWaiters.filter((waiter) => waiter !== done);
        resolve();
      };
      this.settledWaiters.push(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    let resourceVersion: string | undefined;
    let failures = 0;
    while (!signal.aborted) {
      let verb = "list";
      try {
        if (resourceVersion === undefined) {
          resourceVersion = await this.list(signal);
          failures = 0;
        }
        verb = "watch";
        const started = performance.now();
        const end = await this.watch(resourceVersion, signal, (version) => {
          resourceVersion = version;
          failures = 0;
        });
        if (signal.aborted) break;
        this.stats.watchRestarts++;
        if (end === "gone") {
          resourceVersion = undefined;
          this.options.log.info({ resource: this.name }, "watch: 410 Gone, listing again");
        } else if (performance.now() - started < 1000) {
          // A watch the server ends at once, again and again, must not become a busy loop.
          await pause(backoffDelay(++failures, this.options.backoff), signal);
        }
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof Gone) {
          resourceVersion = undefined;
          this.options.log.info({ resource: this.name }, "list: continue token expired (410), listing again");
          continue;
        }
        if (verb === "watch") this.stats.watchRestarts++;
        this.failed(error as Error, verb);
        await pause(backoffDelay(++failures, this.options.backoff), signal);
      }
    }
  }

  private failed(error: Error, verb: string): void {
    this.stats.errors++;
    this.lastError = error;
    const status = error instanceof KubeHttpError ? error.status : undefined;
    if (status === 403) this.stats.forbidden++;
    // Logged once per kind of failure until the informer works again, not at every retry.
    const key = `${verb} ${status ?? error.message}`;
    if (!this.warned.has(key)) {
      this.warned.add(key);
      const hint =
        status === 403
          ? `forbidden: the collector's ClusterRole must grant ${verb} on ${this.name} (see its deploy/ folder)`
          : status === 404
            ? `not found: is ${this.name} served by this cluster?`
            : `${verb} failed, retrying with backoff`;
      this.options.log.error({ resource: this.name, verb, status, err: error.message }, hint);
    }
    this.notifySettled();
  }

  private recovered(): void {
    if (this.lastError === undefined) return;
    this.options.log.info({ resource: this.name }, "working again");
    this.lastError = undefined;
    this.warned.clear();
  }

  /** A full list, page by page; replaces what is held and returns the list's resourceVersion. */
  private async list(signal: AbortSignal): Promise<string> {
    const fresh = new Map<string, T>();
    let token: string | undefined;
    let resourceVersion = "";
    do {
      const query: Record<string, string> = { limit: String(this.options.pageSize) };
      if (token !== undefined) query.continue = token;
      let page: Json;
      try {
        page = asObject(await this.client.getJson(this.spec.path, query, signal), "list");
      } catch (error) {
        if (error instanceof KubeHttpError && error.status === 410) throw new Gone();
        throw error;
      }
      this.stats.pages++;
      const metadata = asObject(page.metadata, "list metadata");
      if (typeof metadata.resourceVersion !== "string" || metadata.resourceVersion === "") {
        throw new Error(`list ${this.spec.path}: no metadata.resourceVersion`);
      }
      if (token === undefined) resourceVersion = metadata.resourceVersion;
      if (!Array.isArray(page.items)) throw new Error(`list ${this.spec.path}: items is not a list`);
      for (const raw of page.items) {
        const entry = this.read(raw);
        if (entry) fresh.set(entry.key, entry.record);
      }
      token =
        typeof metadata.continue === "string" && metadata.continue !== "" ? metadata.continue : undefined;
    } while (token !== undefined);

    const source: UpsertSource = this.stats.lists > 0 ? "relist" : "list";
    if (source === "relist") this.stats.relists++;
    this.stats.lists++;
    for (const [key, previous] of this.objects) if (!fresh.has(key)) this.handlers.remove?.(key, previous);
    for (const [key, record] of fresh) this.handlers.upsert?.(key, record, this.objects.get(key), source);
    this.objects.clear();
    for (const [key, record] of fresh) this.objects.set(key, record);
    this.synced = true;
    this.recovered();
    this.notifySettled();
    return resourceVersion;
  }

  /** Follows the watch until it ends ("ended") or the server says 410 ("gone"); throws when it breaks. */
  private async watch(
    resourceVersion: string,
    signal: AbortSignal,
    seen: (resourceVersion: string) => void,
  ): Promise<"ended" | "gone"> {
    const timeoutSeconds = Math.round(this.options.watchTimeoutSeconds * (0.9 + Math.random() * 0.1));
    // Past this the server should have ended the watch: a silent, hung connection is given up.
    const overdue = AbortSignal.timeout(timeoutSeconds * 1000 + 30_000);
    const watchSignal = AbortSignal.any([signal, overdue]);
    const query = {
      watch: "true",
      resourceVersion,
      allowWatchBookmarks: "true",
      timeoutSeconds: String(timeoutSeconds),
    };
    const response = await this.client.get(this.spec.path, query, watchSignal);
    this.stats.watches++;
    if (response.statusCode === 410) {
      response.resume();
      return "gone";
    }
    if (response.statusCode !== 200) throw httpError(response.statusCode ?? 0, await readBody(response));
    this.recovered();
    let gone = false;
    await readLines(response, (line) => {
      const event = parseEvent(line);
      if (event === undefined) {
        this.warnOnce("watch", "an event that is not JSON with type and object, skipped");
        return;
      }
      if (event.type === "ERROR") {
        const status = event.object as { code?: unknown; message?: unknown };
        if (status.code === 410) gone = true;
        else throw new Error(`watch ERROR event: ${String(status.message ?? JSON.stringify(status))}`);
        return;
      }
      const version = (event.object.metadata as Json | undefined)?.resourceVersion;
      if (event.type === "ADDED" || event.type === "MODIFIED") this.apply(event.object);
      else if (event.type === "DELETED") this.delete(event.object);
      else if (event.type !== "BOOKMARK") return;
      if (typeof version === "string" && version !== "") seen(version);
    });
    if (overdue.aborted && !signal.aborted)
      throw new Error(`watch: nothing from the server for ${timeoutSeconds + 30} s`);
    return gone ? "gone" : "ended";
  }

  private apply(raw: Json): void {
    const entry = this.read(raw);
    if (!entry) {
      // Now unreadable: what was held for it is stale.
      const key = keyOf(raw);
      const previous = key === undefined ? undefined : this.objects.get(key);
      if (key !== undefined && previous !== undefined) {
        this.objects.delete(key);
        this.handlers.remove?.(key, previous);
      }
      return;
    }
    const previous = this.objects.get(entry.key);
    this.objects.set(entry.key, entry.record);
    this.handlers.upsert?.(entry.key, entry.record, previous, "watch");
  }

  private delete(raw: Json): void {
    const key = keyOf(raw);
    const previous = key === undefined ? undefined : this.objects.get(key);
    if (key === undefined || previous === undefined) return;
    this.objects.delete(key);
    this.handlers.remove?.(key, previous);
  }

  private read(raw: unknown): { key: string; record: T } | undefined {
    const key = keyOf(raw);
    try {
      if (key === undefined) throw new Malformed("metadata.name missing");
      return { key, record: this.spec.record(raw) };
    } catch (error) {
      if (!(error instanceof Malformed)) throw error;
      this.stats.malformed++;
      this.warnOnce(
        `malformed ${error.message}`,
        `skipped a malformed object (${key ?? "no name"}): ${error.message} (counted; warned once per problem)`,
      );
      return undefined;
    }
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.options.log.warn({ resource: this.name }, message);
  }

  private notifySettled(): void {
    if (!this.settled) return;
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function asObject(value: unknown, what: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`${what}: not a JSON object`);
  return value as Json;
}

/** namespace/name, or name for cluster-scoped objects. */
function keyOf(raw: unknown): string | undefined {
  const metadata = (raw as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  if (typeof metadata?.name !== "string" || metadata.name === "") return undefined;
  return typeof metadata.namespace === "string" && metadata.namespace !== ""
    ? `${metadata.namespace}/${metadata.name}`
    : metadata.name;
}

function parseEvent(line: string): { type: string; object: Json } | undefined {
  try {
    const event = JSON.parse(line) as { type?: unknown; object?: unknown };
    if (typeof event.type !== "string" || typeof event.object !== "object" || event.object === null)
      return undefined;
    return event as { type: string; object: Json };
  } catch {
    return undefined;
  }
}
