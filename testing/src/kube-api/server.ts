import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeDir, trackDir } from "../cleanup.js";
import { testCertificate } from "./certificate.js";
import { apiVersionOf, BUILTIN_RESOURCES, type ResourceType } from "./resources.js";
import { KubeApiError, type KubeObject, KubeStore, type ResourceStore, type StoredEvent } from "./store.js";

export type KubeVerb = "get" | "list" | "watch";

export interface StartKubeApiOptions {
  /** Custom resources to serve besides the built-in kinds. */
  customResources?: ResourceType[];
  /** Events kept per resource for watches to resume from; older resourceVersions get 410 Gone (default 10000). */
  historyLimit?: number;
  /** How often a watch with allowWatchBookmarks gets a BOOKMARK (default 60 s, like the real server). */
  bookmarkIntervalMs?: number;
  /** The server ends every watch after this long, as the real one does after 5 to 10 minutes (default none). */
  watchTimeoutMs?: number;
}

/** What the server was asked: verb, resource and query, in order (the last 10000). */
export interface KubeApiRequest {
  verb: KubeVerb;
  resource: string;
  query: Record<string, string>;
}

interface OpenWatch {
  store: ResourceStore;
  response: ServerResponse;
  /** Sends a BOOKMARK if the watch allows them. */
  bookmark(): void;
  end(): void;
}

const MAX_REQUESTS = 10_000;

/**
 * A Kubernetes API server for tests: list and watch (with resourceVersion, bookmarks, paging and
 * 410 Gone) over HTTPS with a bearer token, objects shaped as the real API's, and ways to change
 * objects, forbid a resource, break watches mid-stream, and restart.
 */
export class KubeApiServer {
  readonly token = randomBytes(16).toString("hex");
  readonly requests: KubeApiRequest[] = [];
  private readonly store: KubeStore;
  private readonly forbidden = new Set<string>();
  private readonly watches = new Set<OpenWatch>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private dir: string | undefined;
  private listening = false;

  private constructor(
    private readonly certificate: { cert: string; key: string },
    private readonly options: StartKubeApiOptions,
    public port: number,
  ) {
    this.store = new KubeStore(
      [...BUILTIN_RESOURCES, ...(options.customResources ?? [])],
      options.historyLimit ?? 10_000,
    );
  }

  static async start(options: StartKubeApiOptions = {}): Promise<KubeApiServer> {
    const server = new KubeApiServer(await testCertificate(), options, 0);
    await server.start();
    return server;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** The CA a client must trust (the server's self-signed certificate), PEM. */
  get ca(): string {
    return this.certificate.cert;
  }

  get running(): boolean {
    return this.listening;
  }

  /** The current resourceVersion (the last change's). */
  get resourceVersion(): number {
    return this.store.resourceVersion;
  }

  /** A kubeconfig that reaches this server as kubectl would reach a cluster: CA, server, token. */
  kubeconfig(): string {
    const config = {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "pm-test",
          cluster: {
            server: this.url,
            "certificate-authority-data": Buffer.from(this.ca).toString("base64"),
          },
        },
      ],
      users: [{ name: "pm-test", user: { token: this.token } }],
      contexts: [{ name: "pm-test", context: { cluster: "pm-test", user: "pm-test" } }],
      "current-context": "pm-test",
    };
    return `${JSON.stringify(config, null, 2)}\n`; // JSON is YAML
  }

  /** Writes kubeconfig() to a file (removed by close()) and returns its path, for KUBECONFIG. */
  writeKubeconfig(): string {
    if (this.dir === undefined) {
      this.dir = mkdtempSync(join(tmpdir(), "pm-kube-api-"));
      trackDir(this.dir);
    }
    const path = join(this.dir, "kubeconfig");
    writeFileSync(path, this.kubeconfig(), { mode: 0o600 });
    return path;
  }

  // Objects. `resource` is a plural (`pods`) or plural.group (`widgets.example.com`).

  create(resource: string, object: KubeObject): KubeObject {
    return this.store.create(resource, object);
  }

  /** Replaces the object; a change of `spec` raises metadata.generation, as the real server does. */
  update(resource: string, object: KubeObject): KubeObject {
    return this.store.update(resource, object);
  }

  /** Creates or replaces. */
  apply(resource: string, object: KubeObject): KubeObject {
    return this.store.apply(resource, object);
  }

  /** Changes a copy of the stored object and stores it (an update). */
  patch(
    resource: string,
    namespace: string | undefined,
    name: string,
    change: (object: KubeObject) => void,
  ): KubeObject {
    const object = this.store.get(resource, namespace, name);
    if (!object) throw new Error(`test API server: no ${resource} ${namespace ?? ""}/${name} to patch`);
    change(object);
    return this.store.update(resource, object);
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(resource, namespace, name);
  }

  delete(resource: string, namespace: string | undefined, name: string): KubeObject {
    return this.store.remove(resource, namespace, name);
  }

  /** Counts the objects a resource holds now. */
  count(resource: string): number {
    return this.store.resource(resource).objects.size;
  }

  // Faults.

  /** Answers 403 Forbidden to these verbs on the resource (default list and watch). */
  forbid(resource: string, verbs: KubeVerb[] = ["get", "list", "watch"]): void {
    const name = this.store.resource(resource).name;
    for (const verb of verbs) this.forbidden.add(`${verb} ${name}`);
  }

  allow(resource: string): void {
    const name = this.store.resource(resource).name;
    for (const verb of ["get", "list", "watch"]) this.forbidden.delete(`${verb} ${name}`);
  }

  /** Cuts the connections of open watches (of one resource, or all) mid-stream; returns how many. */
  breakWatches(resource?: string): number {
    const name = resource === undefined ? undefined : this.store.resource(resource).name;
    let broken = 0;
    for (const watch of [...this.watches]) {
      if (name !== undefined && watch.store.name !== name) continue;
      watch.response.socket?.destroy();
      watch.end();
      broken++;
    }
    return broken;
  }

  /** Open watches, of one resource or all. */
  openWatches(resource?: string): number {
    const name = resource === undefined ? undefined : this.store.resource(resource).name;
    return [...this.watches].filter((w) => name === undefined || w.store.name === name).length;
  }

  /** Forgets the event history: watches from an older resourceVersion get 410 Gone (etcd compaction). */
  compact(resource?: string): void {
    this.store.compact(resource);
  }

  /** Every continue token handed out so far now gets 410 Gone. */
  expireContinueTokens(): void {
    this.store.expireContinueTokens();
  }

  /** Sends a BOOKMARK now on every watch that allows them. */
  sendBookmarks(): void {
    for (const watch of this.watches) watch.bookmark();
  }

  /** How many requests of a verb (and resource) the server answered or refused. */
  requestCount(verb: KubeVerb, resource?: string): number {
    const name = resource === undefined ? undefined : this.store.resource(resource).name;
    return this.requests.filter((r) => r.verb === verb && (name === undefined || r.resource === name)).length;
  }

  // Lifecycle.

  /** Listens (again) on the same port; the objects and their resourceVersions are kept. */
  async start(): Promise<void> {
    if (this.listening) return;
    const server = createServer({ cert: this.certificate.cert, key: this.certificate.key }, (req, res) =>
      this.handle(req, res),
    );
    server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    // A client that gives up mid-handshake is not the test's business.
    server.on("tlsClientError", () => {});
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    if (typeof address === "object" && address) this.port = address.port;
    this.server = server;
    this.listening = true;
  }

  /** Stops listening and cuts every connection, watches included (a crash or a restart). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.listening = false;
    for (const watch of [...this.watches]) watch.end();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async close(): Promise<void> {
    await this.stop();
    if (this.dir !== undefined) removeDir(this.dir);
    this.dir = undefined;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    try {
      this.route(req, res);
    } catch (error) {
      if (error instanceof KubeApiError) sendStatus(res, error.code, error.reason, error.message);
      else sendStatus(res, 500, "InternalError", (error as Error).message);
    }
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const query = Object.fromEntries(url.searchParams);
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      sendStatus(res, 401, "Unauthorized", "Unauthorized");
      return;
    }
    const target = this.parsePath(url.pathname);
    if (!target) {
      sendStatus(res, 404, "NotFound", "the server could not find the requested resource");
      return;
    }
    const { store, namespace, name } = target;
    const verb: KubeVerb =
      name !== undefined ? "get" : query.watch === "true" || query.watch === "1" ? "watch" : "list";
    this.requests.push({ verb, resource: store.name, query });
    if (this.requests.length > MAX_REQUESTS) this.requests.shift();
    if (req.method !== "GET") {
      sendStatus(res, 405, "MethodNotAllowed", `the test API server serves only GET, not ${req.method}`);
      return;
    }
    if (this.forbidden.has(`${verb} ${store.name}`)) {
      const group = JSON.stringify(store.type.group);
      const scope = namespace === undefined ? "at the cluster scope" : `in the namespace "${namespace}"`;
      sendStatus(
        res,
        403,
        "Forbidden",
        `${store.name} is forbidden: User "system:serviceaccount:platform-metrics:pm-collector-k8s-api" cannot ${verb} resource "${store.type.plural}" in API group ${group} ${scope}`,
        { kind: store.type.plural, group: store.type.group },
      );
      return;
    }
    if (verb === "get") {
      const object = this.store.get(store.name, namespace, name!);
      if (!object) throw new KubeApiError(404, "NotFound", `${store.name} "${name}" not found`);
      sendJson(res, 200, object);
    } else if (verb === "list") {
      this.list(res, store, namespace, query);
    } else {
      this.watch(req, res, store, namespace, query);
    }
  }

  /** /api/v1/[namespaces/<ns>/]<plural>[/<name>] and /apis/<group>/<version>/[namespaces/<ns>/]<plural>[/<name>]. */
  private parsePath(
    pathname: string,
  ): { store: ResourceStore; namespace?: string; name?: string } | undefined {
    const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
    let group: string;
    let rest: string[];
    if (parts[0] === "api" && parts[1] !== undefined) {
      group = "";
      rest = parts.slice(1);
    } else if (parts[0] === "apis" && parts[1] !== undefined && parts[2] !== undefined) {
      group = parts[1];
      rest = parts.slice(2);
    } else {
      return undefined;
    }
    const [version, ...path] = rest as [string, ...string[]];
    const find = (plural: string | undefined) =>
      plural === undefined ? undefined : this.store.find(group, version, plural);
    // namespaces/<ns>/<plural>[/<name>] (a namespaced resource), or <plural>[/<name>].
    if (path[0] === "namespaces" && path.length >= 3) {
      const store = find(path[2]);
      if (!store?.type.namespaced || path.length > 4) return undefined;
      return { store, namespace: path[1], name: path[3] };
    }
    const store = find(path[0]);
    if (!store || path.length > 2 || (path.length === 2 && store.type.namespaced)) return undefined;
    return { store, name: path[1] };
  }

  private list(
    res: ServerResponse,
    store: ResourceStore,
    namespace: string | undefined,
    query: Record<string, string>,
  ): void {
    const limit = parseCount(query.limit, "limit");
    const page = query.continue
      ? this.store.continueList(store, query.continue, limit)
      : this.store.list(store, limit, namespace);
    sendJson(res, 200, {
      kind: `${store.type.kind}List`,
      apiVersion: apiVersionOf(store.type),
      metadata: {
        resourceVersion: String(page.resourceVersion),
        ...(page.continue !== undefined
          ? { continue: page.continue, remainingItemCount: page.remaining }
          : {}),
      },
      // As in the real API's lists, items carry no apiVersion and kind of their own.
      items: page.items.map(({ apiVersion: _, kind: __, ...item }) => item),
    });
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    store: ResourceStore,
    namespace: string | undefined,
    query: Record<string, string>,
  ): void {
    const from = query.resourceVersion;
    if (from !== undefined && from !== "" && !/^\d+$/.test(from)) {
      throw new KubeApiError(
        400,
        "BadRequest",
        `resourceVersion: Invalid value: ${JSON.stringify(from)}: expected a number`,
      );
    }
    const timeoutSeconds = parseCount(query.timeoutSeconds, "timeoutSeconds");
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private" });
    // The headers go out at once, as the real server sends them, not with the first event.
    res.flushHeaders();
    const write = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    const matches = (event: StoredEvent) =>
      namespace === undefined || event.object.metadata.namespace === namespace;

    const start = from === undefined || from === "" || from === "0" ? undefined : Number(from);
    if (start !== undefined && start < store.compactedTo) {
      write("ERROR", status(410, "Expired", `too old resource version: ${start} (${store.compactedTo})`));
      res.end();
      return;
    }
    if (start === undefined) {
      // No resourceVersion: the current state as ADDED events, then the changes.
      for (const object of store.sorted()) {
        if (namespace === undefined || object.metadata.namespace === namespace) write("ADDED", object);
      }
    } else {
      for (const event of store.history)
        if (event.resourceVersion > start && matches(event)) write(event.type, event.object);
    }

    const listener = (event: StoredEvent) => {
      if (matches(event)) write(event.type, event.object);
    };
    const bookmarks = query.allowWatchBookmarks === "true" || query.allowWatchBookmarks === "1";
    // A bookmark says: every change up to this resourceVersion has been sent.
    const bookmark = () => {
      if (!bookmarks) return;
      write("BOOKMARK", {
        kind: store.type.kind,
        apiVersion: apiVersionOf(store.type),
        metadata: { resourceVersion: String(this.store.resourceVersion) },
      });
    };
    const timers: NodeJS.Timeout[] = [];
    if (bookmarks) timers.push(setInterval(bookmark, this.options.bookmarkIntervalMs ?? 60_000));
    const limits = [
      timeoutSeconds > 0 ? timeoutSeconds * 1000 : undefined,
      this.options.watchTimeoutMs,
    ].filter((ms): ms is number => ms !== undefined);
    if (limits.length > 0) timers.push(setTimeout(() => watch.end(), Math.min(...limits)));

    const watch: OpenWatch = {
      store,
      response: res,
      bookmark,
      end: () => {
        if (!this.watches.delete(watch)) return;
        store.listeners.delete(listener);
        for (const timer of timers) clearTimeout(timer);
        res.end();
      },
    };
    store.listeners.add(listener);
    this.watches.add(watch);
    req.socket.once("close", () => watch.end());
    res.once("close", () => watch.end());
  }
}

function parseCount(value: string | undefined, name: string): number {
  if (value === undefined || value === "") return 0;
  if (!/^\d+$/.test(value))
    throw new KubeApiError(400, "BadRequest", `${name}: Invalid value: ${JSON.stringify(value)}`);
  return Number(value);
}

function status(code: number, reason: string, message: string, details?: Record<string, string>) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

function sendStatus(
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  details?: Record<string, string>,
): void {
  sendJson(res, code, status(code, reason, message, details));
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** Starts a test Kubernetes API server on a free port of 127.0.0.1. */
export function startKubeApi(options?: StartKubeApiOptions): Promise<KubeApiServer> {
  return KubeApiServer.start(options);
}
