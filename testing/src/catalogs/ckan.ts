import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { FaultyJsonServer, type JsonAnswer, type RecordedRequest } from "./faulty-json-server.js";

/**
 * A CKAN action API (`/api/3/action/*`) for tests, answering as CKAN 2.9 to 2.11 do
 * (ckan/views/api.py and ckan/logic/action/get.py of those releases):
 * - every answer is `{ help, success, result }`; errors are `{ help, success: false, error: { __type,
 *   message } }` with 400, 403, 404, 409 or 500;
 * - `package_search`: `rows` (default 10) silently capped at `rows_max` (CKAN's ckan.search.rows_max,
 *   1000), `start`, `include_private`, `facet.field` as a JSON list, `facet.limit` (default 50, -1 for
 *   all), `facet=false`; the result has `count`, `results` (package dicts), `facets` and
 *   `search_facets` whose items CKAN sorts by display name, descending;
 * - `organization_list`: names, or with `all_fields=true` organization dicts, `limit` capped at 25
 *   with all_fields (ckan.group_and_organization_list_all_fields_max) and 1000 without, `offset`;
 * - `organization_list_for_user`: the organizations of the token's user ([] for anonymous);
 * - the API token in the `Authorization` header. An unknown token counts as anonymous, as CKAN's
 *   does (it does not refuse it): anonymous callers see only public datasets.
 */
export interface StartCkanOptions {
  /** Generated datasets (see ckanPackage). */
  datasets?: number;
  /** Organizations the generated datasets are spread over, round robin (default 3). */
  organizations?: number;
  /** Organizations with no datasets. */
  emptyOrganizations?: string[];
  /** Every n-th generated dataset is private (default 0: none). */
  privateEvery?: number;
  /** Every n-th generated dataset has no organization (default 0: none). */
  unownedEvery?: number;
  /** Raw package dicts served after the generated ones, as given (malformed ones too). */
  extraPackages?: unknown[];
  /** The valid API token (default a random one). */
  token?: string;
  /** Organizations the token's user belongs to; default: the user is a sysadmin and sees all. */
  tokenOrganizations?: string[];
  /** Anonymous callers get 403 on every action, as on a site that requires login. */
  requireAuth?: boolean;
  /** ckan.search.rows_max (default 1000). */
  rowsMax?: number;
  /** ckan.group_and_organization_list_all_fields_max (default 25). */
  organizationListAllFieldsMax?: number;
  /** The clock of generated timestamps, ms since the epoch (default now). */
  now?: number;
}

const DAY_MS = 86_400_000;
const FORMATS = ["CSV", "JSON", "GeoJSON", "PDF", "", "XLSX"];

export interface CkanOrganization {
  id: string;
  name: string;
  title: string;
}

/** CKAN prints UTC timestamps without a zone and with microseconds. */
function ckanTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000`;
}

function uuid(kind: string, index: number): string {
  const hex = (index + 1).toString(16).padStart(12, "0");
  return `${kind.padEnd(8, "0").slice(0, 8)}-0000-4000-8000-${hex}`;
}

export function ckanOrganizationName(index: number): string {
  return `org-${index}`;
}

/**
 * The generated dataset `index`, as package_search returns it: 1 to 3 resources with formats from
 * CSV, JSON, GeoJSON, PDF, "" and XLSX, every 4th resource of unknown size (null), the rest
 * 1000 * (index % 100 + 1) bytes; modified `index % 200` days before `now`; every 5th untagged.
 */
export function ckanPackage(index: number, options: StartCkanOptions = {}, now = Date.now()): object {
  const organizations = options.organizations ?? 3;
  const unowned = options.unownedEvery ? index % options.unownedEvery === options.unownedEvery - 1 : false;
  const orgIndex = index % organizations;
  const organization = unowned
    ? null
    : {
        id: uuid("org", orgIndex),
        name: ckanOrganizationName(orgIndex),
        title: `Organization ${orgIndex}`,
        type: "organization",
        description: "",
        image_url: "",
        created: ckanTime(now - 1000 * DAY_MS),
        is_organization: true,
        approval_status: "approved",
        state: "active",
      };
  const id = uuid("dataset", index);
  const modified = ckanTime(now - (index % 200) * DAY_MS - 1000);
  const resourceCount = (index % 3) + 1;
  const resources = Array.from({ length: resourceCount }, (_, position) => {
    const serial = index * 3 + position;
    const format = FORMATS[serial % FORMATS.length]!;
    return {
      cache_last_updated: null,
      cache_url: null,
      created: modified,
      datastore_active: false,
      description: "",
      format,
      hash: "",
      id: uuid("res", serial),
      last_modified: null,
      metadata_modified: modified,
      mimetype: null,
      mimetype_inner: null,
      name: `resource ${position}`,
      package_id: id,
      position,
      resource_type: null,
      size: serial % 4 === 3 ? null : 1000 * ((index % 100) + 1),
      state: "active",
      url: `http://example.org/data/${index}/${position}.${format.toLowerCase() || "bin"}`,
      url_type: null,
    };
  });
  const tags =
    index % 5 === 0
      ? []
      : [{ display_name: "env", id: uuid("tag", 1), name: "env", state: "active", vocabulary_id: null }];
  return {
    author: null,
    author_email: null,
    creator_user_id: uuid("user", 0),
    id,
    isopen: true,
    license_id: "cc-by",
    license_title: "Creative Commons Attribution",
    maintainer: null,
    maintainer_email: null,
    metadata_created: ckanTime(Date.UTC(2020, 0, 1) + index * 1000),
    metadata_modified: modified,
    name: `dataset-${index}`,
    notes: "",
    num_resources: resources.length,
    num_tags: tags.length,
    organization,
    owner_org: organization?.id ?? null,
    private: options.privateEvery ? index % options.privateEvery === options.privateEvery - 1 : false,
    state: "active",
    title: `Dataset ${index}`,
    type: "dataset",
    url: null,
    version: null,
    extras: [],
    resources,
    tags,
    groups: [],
    relationships_as_object: [],
    relationships_as_subject: [],
  };
}

interface PackageView {
  id?: unknown;
  private?: unknown;
  organization?: { name?: unknown } | null;
  resources?: { format?: unknown }[];
}

class CkanError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export class CkanServer extends FaultyJsonServer {
  readonly token: string;
  private readonly now: number;
  private readonly extra: unknown[];
  private readonly front: unknown[] = [];
  /** Generated datasets served now (grows with addDatasets). */
  datasetCount: number;

  private constructor(private readonly options: StartCkanOptions) {
    super();
    this.token = options.token ?? randomBytes(16).toString("hex");
    this.now = options.now ?? Date.now();
    this.extra = [...(options.extraPackages ?? [])];
    this.datasetCount = options.datasets ?? 0;
  }

  static async start(options: StartCkanOptions = {}): Promise<CkanServer> {
    const server = new CkanServer(options);
    await server.listen();
    return server;
  }

  /** The organizations the server knows: the generated ones, then the empty ones. */
  organizationList(): CkanOrganization[] {
    const generated = Array.from({ length: this.options.organizations ?? 3 }, (_, index) => ({
      id: uuid("org", index),
      name: ckanOrganizationName(index),
      title: `Organization ${index}`,
    }));
    const empty = (this.options.emptyOrganizations ?? []).map((name, index) => ({
      id: uuid("orgempty", index),
      name,
      title: name,
    }));
    return [...generated, ...empty].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Every dataset the server holds, generated and extra, as served (for tests' expectations). */
  *packages(): Iterable<unknown> {
    yield* this.front;
    for (let index = 0; index < this.datasetCount; index++) yield ckanPackage(index, this.options, this.now);
    yield* this.extra;
  }

  /**
   * What visibility and facets need of each dataset, with the package dict built only when asked
   * for: a search walks every dataset, and the large catalogs have tens of thousands.
   */
  private *views(): Iterable<{ view: PackageView; build: () => unknown }> {
    const organizations = this.options.organizations ?? 3;
    const { privateEvery = 0, unownedEvery = 0 } = this.options;
    for (const pkg of this.front) yield { view: (pkg ?? {}) as PackageView, build: () => pkg };
    for (let index = 0; index < this.datasetCount; index++) {
      const unowned = unownedEvery > 0 && index % unownedEvery === unownedEvery - 1;
      const resources = Array.from({ length: (index % 3) + 1 }, (_, position) => ({
        format: FORMATS[(index * 3 + position) % FORMATS.length],
      }));
      yield {
        view: {
          private: privateEvery > 0 && index % privateEvery === privateEvery - 1,
          organization: unowned ? null : { name: ckanOrganizationName(index % organizations) },
          resources,
        },
        build: () => ckanPackage(index, this.options, this.now),
      };
    }
    for (const pkg of this.extra) yield { view: (pkg ?? {}) as PackageView, build: () => pkg };
  }

  /**
   * Raw package dicts served before all others, as if created with an older metadata_created (a
   * harvest): every later page of a paging client shifts by one.
   */
  prependPackages(...packages: unknown[]): void {
    this.front.unshift(...packages);
  }

  /** More generated datasets, e.g. one created while a collector pages. */
  addDatasets(count: number): void {
    this.datasetCount += count;
  }

  protected override faultBody(status: number): unknown {
    return { success: false, error: { __type: "Injected Fault", message: `injected ${status}` } };
  }

  protected answer({ method, path, headers }: RecordedRequest, query: URLSearchParams): JsonAnswer {
    const match = /^\/api\/(?:3\/)?action\/([a-z_]+)$/.exec(path);
    if (match === null) return { status: 404, body: "Not found" };
    const action = match[1]!;
    const help = `${this.url}/api/3/action/help_show?name=${action}`;
    try {
      if (method !== "GET")
        throw new CkanError(400, "Bad request", `${method} is not served by this test server`);
      const user = this.userOf(headers);
      if (this.options.requireAuth && user === undefined) {
        throw new CkanError(
          403,
          "Authorization Error",
          "Access denied: Action %s requires an authenticated user",
        );
      }
      return { status: 200, body: { help, success: true, result: this.run(action, query, user) } };
    } catch (error) {
      if (!(error instanceof CkanError)) throw error;
      if (error.type === "Bad request")
        return { status: error.status, body: `Bad request - ${error.message}` };
      const detail =
        error.type === "Validation Error"
          ? { __type: error.type, ...JSON.parse(error.message) }
          : { __type: error.type, message: error.message };
      return { status: error.status, body: { help, success: false, error: detail } };
    }
  }

  /** undefined: anonymous; "sysadmin"; or the list of organizations the user belongs to. */
  private userOf(headers: IncomingHttpHeaders): "sysadmin" | string[] | undefined {
    const value = headers.authorization;
    if (value !== this.token) return undefined;
    return this.options.tokenOrganizations ?? "sysadmin";
  }

  private run(action: string, query: URLSearchParams, user: "sysadmin" | string[] | undefined): unknown {
    switch (action) {
      case "package_search":
        return this.packageSearch(query, user);
      case "organization_list":
        return this.organizationListAction(query);
      case "organization_list_for_user": {
        if (user === undefined) return [];
        const all = this.organizationList();
        return (user === "sysadmin" ? all : all.filter((org) => user.includes(org.name))).map((org) => ({
          ...this.organizationDict(org),
          capacity: "member",
        }));
      }
      default:
        throw new CkanError(400, "Bad request", `Action name not known: ${action}`);
    }
  }

  private packageSearch(query: URLSearchParams, user: "sysadmin" | string[] | undefined) {
    const rowsMax = this.options.rowsMax ?? 1000;
    const rows = Math.min(naturalNumber(query, "rows", 10), rowsMax);
    const start = naturalNumber(query, "start", 0);
    const includePrivate = query.get("include_private") === "true" || query.get("include_private") === "True";
    let facetFields: string[] = [];
    const facetField = query.get("facet.field");
    if (facetField !== null) {
      try {
        facetFields = JSON.parse(facetField);
      } catch {
        throw new CkanError(
          409,
          "Validation Error",
          JSON.stringify({ "facet.field": ["Could not parse as valid JSON"] }),
        );
      }
      if (!Array.isArray(facetFields) || facetFields.some((field) => typeof field !== "string")) {
        throw new CkanError(
          409,
          "Validation Error",
          JSON.stringify({ "facet.field": ["Not a list of strings"] }),
        );
      }
    }
    const facetLimit = Number(query.get("facet.limit") ?? 50);
    const facetsOn = query.get("facet") !== "false";
    const visible = (pkg: PackageView) => {
      if (pkg.private !== true) return true;
      if (!includePrivate || user === undefined) return false;
      return user === "sysadmin" || user.includes(String(pkg.organization?.name));
    };
    let count = 0;
    const results: unknown[] = [];
    const facets = new Map<string, Map<string, number>>(facetFields.map((field) => [field, new Map()]));
    for (const { view, build } of this.views()) {
      if (!visible(view)) continue;
      if (count >= start && results.length < rows) results.push(build());
      count++;
      if (!facetsOn) continue;
      const organization = view.organization?.name;
      const orgFacet = facets.get("organization");
      if (orgFacet !== undefined && typeof organization === "string") {
        orgFacet.set(organization, (orgFacet.get(organization) ?? 0) + 1);
      }
      const formatFacet = facets.get("res_format");
      if (formatFacet !== undefined) {
        const formats = new Set<string>();
        for (const resource of view.resources ?? []) {
          if (typeof resource.format === "string" && resource.format !== "") formats.add(resource.format);
        }
        for (const format of formats) formatFacet.set(format, (formatFacet.get(format) ?? 0) + 1);
      }
    }
    const facetsResult: Record<string, Record<string, number>> = {};
    const searchFacets: Record<string, { title: string; items: object[] }> = {};
    for (const [field, counts] of facets) {
      // Solr keeps the facet.limit values with the highest counts; CKAN then sorts by display name, descending.
      let entries = [...counts].filter(([, value]) => value > 0).sort((a, b) => b[1] - a[1]);
      if (facetLimit >= 0) entries = entries.slice(0, facetLimit);
      facetsResult[field] = Object.fromEntries(entries);
      searchFacets[field] = {
        title: field,
        items: entries
          .map(([name, value]) => ({ name, display_name: name, count: value }))
          .sort((a, b) => (a.display_name < b.display_name ? 1 : a.display_name > b.display_name ? -1 : 0)),
      };
    }
    return {
      count,
      facets: facetsResult,
      results,
      sort: query.get("sort") ?? "score desc, metadata_modified desc",
      search_facets: searchFacets,
    };
  }

  private organizationListAction(query: URLSearchParams) {
    const allFields = query.get("all_fields") === "true" || query.get("all_fields") === "True";
    const max = allFields ? (this.options.organizationListAllFieldsMax ?? 25) : 1000;
    const limit = Math.min(naturalNumber(query, "limit", max) || max, max);
    const offset = naturalNumber(query, "offset", 0);
    const page = this.organizationList().slice(offset, offset + limit);
    return allFields ? page.map((org) => this.organizationDict(org)) : page.map((org) => org.name);
  }

  private organizationDict(org: CkanOrganization) {
    let packageCount = 0;
    for (const { view } of this.views()) {
      if (view.organization?.name === org.name && view.private !== true) packageCount++;
    }
    return {
      approval_status: "approved",
      created: ckanTime(this.now - 1000 * DAY_MS),
      description: "",
      display_name: org.title,
      id: org.id,
      image_display_url: "",
      image_url: "",
      is_organization: true,
      name: org.name,
      num_followers: 0,
      package_count: packageCount,
      state: "active",
      title: org.title,
      type: "organization",
    };
  }
}

function naturalNumber(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw)) {
    throw new CkanError(409, "Validation Error", JSON.stringify({ [name]: ["Must be a natural number"] }));
  }
  return Number(raw);
}

export function startCkan(options: StartCkanOptions = {}): Promise<CkanServer> {
  return CkanServer.start(options);
}
