import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import { answerWithFault, type FaultOptions, FaultQueue, type HttpFault } from "./http-faults.js";
import { JsonServer, type SeenRequest, sendJson } from "./json-server.js";

/**
 * An Open Service Broker for tests, shaped as the Open Service Broker API v2.17 (spec.md, "Catalog
 * Management"): `GET /v2/catalog` answers `{ services: [ Service Offering ] }`, requires the
 * `X-Broker-API-Version` header (412 Precondition Failed without it) and HTTP basic
 * authentication (401), and sends an ETag, answering 304 Not Modified to a matching If-None-Match
 * (ETag support came with v2.16). Errors use the broker error shape `{ error?, description }`.
 */

export interface OsbPlan {
  id: string;
  name: string;
  description: string;
  /** Default true. */
  free?: boolean;
  /** Overrides the service's `bindable`. */
  bindable?: boolean;
  plan_updateable?: boolean;
  metadata?: Record<string, unknown>;
  maintenance_info?: { version: string; description?: string };
}

export interface OsbService {
  id: string;
  name: string;
  description: string;
  bindable: boolean;
  tags?: string[];
  requires?: string[];
  instances_retrievable?: boolean;
  bindings_retrievable?: boolean;
  allow_context_updates?: boolean;
  plan_updateable?: boolean;
  metadata?: Record<string, unknown>;
  plans: OsbPlan[];
}

export interface StartOsbBrokerOptions {
  /** The catalog's services, or how many to generate with `osbService(i)` (default 0). */
  services?: OsbService[] | number;
  /** Require HTTP basic authentication with this user and password. */
  username?: string;
  password?: string;
}

/**
 * Service number `i` of a generated catalog: 3 plans (a free one without `free` set, a paid one, a
 * free one marked so); every 3rd service is not bindable, but its third plan is.
 */
export function osbService(i: number): OsbService {
  const id = `svc-${i.toString(16).padStart(8, "0")}`;
  return {
    id,
    name: `service-${i}`,
    description: `Service offering number ${i}`,
    tags: ["sql", "relational"],
    requires: [],
    bindable: i % 3 !== 2,
    instances_retrievable: true,
    bindings_retrievable: true,
    plan_updateable: true,
    metadata: { displayName: `Service ${i}`, provider: { name: "Example" } },
    plans: [
      { id: `${id}-small`, name: "small", description: "A small shared instance." },
      {
        id: `${id}-large`,
        name: "large",
        description: "A large dedicated instance.",
        free: false,
        metadata: { costs: [{ amount: { usd: 99.0 }, unit: "MONTHLY" }], bullets: ["Dedicated"] },
        maintenance_info: { version: "2.1.1+abcdef", description: "OS image update." },
      },
      { id: `${id}-dev`, name: "dev", description: "For development.", free: true, bindable: true },
    ],
  };
}

export class OsbBrokerServer {
  readonly requests: SeenRequest[];
  private readonly faults = new FaultQueue();
  private services: OsbService[] | number;
  private cached: { body: string; etag: string } | undefined;

  private constructor(
    private readonly server: JsonServer,
    private readonly options: StartOsbBrokerOptions,
    handler: { self?: OsbBrokerServer },
  ) {
    this.requests = server.requests;
    this.services = options.services ?? 0;
    handler.self = this;
  }

  static async start(options: StartOsbBrokerOptions = {}): Promise<OsbBrokerServer> {
    const handler: { self?: OsbBrokerServer } = {};
    const server = await JsonServer.start((request, res) => handler.self?.handle(request, res));
    return new OsbBrokerServer(server, options, handler);
  }

  /** The broker's base URL (the catalog is at `<url>/v2/catalog`). */
  get url(): string {
    return this.server.origin;
  }

  /** The ETag of the current catalog. */
  get etag(): string {
    return this.catalog().etag;
  }

  setServices(services: OsbService[] | number): void {
    this.services = services;
    this.cached = undefined;
  }

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

  private catalog(): { body: string; etag: string } {
    if (this.cached === undefined) {
      const services =
        typeof this.services === "number"
          ? Array.from({ length: this.services }, (_, i) => osbService(i))
          : this.services;
      const body = JSON.stringify({ services });
      this.cached = { body, etag: `"${createHash("sha256").update(body).digest("hex").slice(0, 16)}"` };
    }
    return this.cached;
  }

  private handle(request: SeenRequest, res: ServerResponse) {
    const fault = this.faults.take(request.path);
    if (fault !== undefined) {
      return answerWithFault(res, fault, () => ({ description: "injected fault" }));
    }
    const { username, password } = this.options;
    if (username !== undefined || password !== undefined) {
      const expected = `Basic ${Buffer.from(`${username ?? ""}:${password ?? ""}`).toString("base64")}`;
      if (request.headers.authorization !== expected) {
        return sendJson(
          res,
          401,
          { description: "Unauthorized" },
          { "www-authenticate": 'Basic realm="broker"' },
        );
      }
    }
    if (request.headers["x-broker-api-version"] === undefined) {
      return sendJson(res, 412, { description: "The X-Broker-API-Version header is required" });
    }
    if (request.path !== "/v2/catalog" || request.method !== "GET") {
      return sendJson(res, 404, { description: `No route for ${request.method} ${request.path}` });
    }
    const { body, etag } = this.catalog();
    if (request.headers["if-none-match"] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      etag,
    });
    res.end(body);
  }
}

export function startOsbBroker(options?: StartOsbBrokerOptions): Promise<OsbBrokerServer> {
  return OsbBrokerServer.start(options);
}
