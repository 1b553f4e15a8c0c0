import { createHash } from "node:crypto";
import { FaultyJsonServer, type JsonAnswer, type RecordedRequest } from "./faulty-json-server.js";

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

export class OsbBrokerServer extends FaultyJsonServer {
  private services: OsbService[] | number;
  private cached: { catalog: { services: unknown }; etag: string } | undefined;

  private constructor(private readonly options: StartOsbBrokerOptions) {
    super();
    this.services = options.services ?? 0;
  }

  static async start(options: StartOsbBrokerOptions = {}): Promise<OsbBrokerServer> {
    const server = new OsbBrokerServer(options);
    await server.listen();
    return server;
  }

  /** The ETag of the current catalog. */
  get etag(): string {
    return this.catalog().etag;
  }

  setServices(services: OsbService[] | number): void {
    this.services = services;
    this.cached = undefined;
  }

  private catalog(): { catalog: { services: unknown }; etag: string } {
    if (this.cached === undefined) {
      const services =
        typeof this.services === "number"
          ? Array.from({ length: this.services }, (_, i) => osbService(i))
          : this.services;
      const hash = createHash("sha256").update(JSON.stringify({ services }));
      this.cached = { catalog: { services }, etag: `"${hash.digest("hex").slice(0, 16)}"` };
    }
    return this.cached;
  }

  protected answer(request: RecordedRequest): JsonAnswer {
    const { username, password } = this.options;
    if (username !== undefined || password !== undefined) {
      const expected = `Basic ${Buffer.from(`${username ?? ""}:${password ?? ""}`).toString("base64")}`;
      if (request.headers.authorization !== expected) {
        return {
          status: 401,
          body: { description: "Unauthorized" },
          headers: { "www-authenticate": 'Basic realm="broker"' },
        };
      }
    }
    if (request.headers["x-broker-api-version"] === undefined) {
      return { status: 412, body: { description: "The X-Broker-API-Version header is required" } };
    }
    if (request.path !== "/v2/catalog" || request.method !== "GET") {
      return { status: 404, body: { description: `No route for ${request.method} ${request.path}` } };
    }
    const { catalog, etag } = this.catalog();
    if (request.headers["if-none-match"] === etag) return { status: 304, headers: { etag } };
    return { status: 200, body: catalog, headers: { etag } };
  }

  protected override faultBody(): unknown {
    return { description: "injected fault" };
  }
}

export function startOsbBroker(options?: StartOsbBrokerOptions): Promise<OsbBrokerServer> {
  return OsbBrokerServer.start(options);
}
