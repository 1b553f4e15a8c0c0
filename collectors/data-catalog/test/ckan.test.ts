import { type CkanServer, startCkan } from "@platform-metrics/testing";
import { afterEach, describe, expect, it } from "vitest";
import { collectFrom, field, pointsOf, pointWith, type Round, sum } from "./helpers.js";

interface Package {
  id: string;
  private: boolean;
  organization: { name: string } | null;
  resources: { format: string; size: number | null }[];
  tags: unknown[];
}

/** What the datasets a caller may see add up to, per organization name ("" for none), worked out here on its own. */
function expected(server: CkanServer, seesPrivate: boolean) {
  const byOrg = new Map<
    string,
    { datasets: number; private: number; resources: number; bytes: number; unknown: number }
  >();
  for (const raw of server.packages()) {
    const pkg = raw as Package;
    if (pkg.private && !seesPrivate) continue;
    const key = pkg.organization?.name ?? "";
    const sums = byOrg.get(key) ?? { datasets: 0, private: 0, resources: 0, bytes: 0, unknown: 0 };
    sums.datasets++;
    if (pkg.private) sums.private++;
    for (const resource of pkg.resources) {
      sums.resources++;
      if (resource.size === null) sums.unknown++;
      else sums.bytes += resource.size;
    }
    byOrg.set(key, sums);
  }
  return byOrg;
}

function datasetsOf(round: Round, organization: string | undefined) {
  return pointWith(round, "datacatalog_datasets", { organization });
}

let server: CkanServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("ckan adapter", () => {
  it("pages through every dataset, several pages, and sums them per organization", async () => {
    server = await startCkan({ datasets: 45, organizations: 3, unownedEvery: 9 });
    const round = await collectFrom({ adapter: "ckan", url: server.url, pageSize: 10 });
    const searches = server.requestsTo("/api/3/action/package_search").filter((r) => r.query.rows !== "0");
    expect(searches.map((request) => request.query.start)).toEqual(["0", "10", "20", "30", "40"]);
    expect(searches.every((request) => request.query.rows === "10")).toBe(true);
    const want = expected(server, false);
    for (const [organization, sums] of want) {
      const point = datasetsOf(round, organization === "" ? undefined : organization);
      expect(point.tags.coverage).toBe("complete");
      expect(field(point, "datasets")).toBe(sums.datasets);
      expect(field(point, "datasets_read")).toBe(sums.datasets);
      expect(field(point, "resources")).toBe(sums.resources);
      expect(field(point, "bytes")).toBe(sums.bytes);
      expect(field(point, "bytes_unknown")).toBe(sums.unknown);
    }
    expect(sum(pointsOf(round, "datacatalog_datasets"), "datasets")).toBe(45);
    const reading = pointWith(round, "pm_datacatalog", {});
    expect(reading.fields).toMatchObject({
      up: { value: true },
      complete: { value: true },
      total: { value: 45n },
      pages: { value: 5n },
    });
    expect(round.errorsCounted).toBe(0);
  });

  it("asks for the cheap counts with rows=0 and every facet value (facet.limit=-1), and lists organizations", async () => {
    server = await startCkan({ datasets: 70, organizations: 60, emptyOrganizations: ["zz-empty"] });
    const round = await collectFrom({ adapter: "ckan", url: server.url });
    const [summary] = server.requestsTo("/api/3/action/package_search", { rows: "0" });
    expect(summary?.query).toMatchObject({
      "facet.field": '["organization","res_format"]',
      "facet.limit": "-1",
    });
    // 61 organizations take three pages of organization_list with all_fields (CKAN gives 25 at a time).
    const lists = server.requestsTo("/api/3/action/organization_list");
    expect(lists.map((request) => request.query.offset)).toEqual(["0", "25", "50"]);
    expect(lists.every((request) => request.query.all_fields === "true")).toBe(true);
    // More organizations than CKAN's default facet.limit (50): each still has its point.
    expect(pointsOf(round, "datacatalog_datasets")).toHaveLength(61);
    expect(field(datasetsOf(round, "zz-empty"), "datasets")).toBe(0);
    expect(field(datasetsOf(round, "org-59"), "datasets")).toBe(1);
    // datasets per format come from the res_format facet.
    const csv = pointWith(round, "datacatalog_formats", { format: "CSV" });
    const withCsv = [...server.packages()].filter((pkg) =>
      (pkg as Package).resources.some((resource) => resource.format === "CSV"),
    ).length;
    expect(field(csv, "datasets")).toBe(withCsv);
  });

  it("counts only public datasets without a token, and says so", async () => {
    server = await startCkan({ datasets: 40, privateEvery: 4 });
    const round = await collectFrom({ adapter: "ckan", url: server.url });
    for (const request of server.requestsTo("/api/3/action/package_search")) {
      expect(request.query.include_private).toBeUndefined();
      expect(request.headers.authorization).toBeUndefined();
    }
    const points = pointsOf(round, "datacatalog_datasets");
    expect(points.every((point) => field(point, "private_counted") === false)).toBe(true);
    expect(sum(points, "datasets")).toBe(30);
    expect(sum(points, "private")).toBe(0);
  });

  it("counts private datasets with a token CKAN knows (include_private, Authorization header)", async () => {
    server = await startCkan({ datasets: 40, privateEvery: 4 });
    const round = await collectFrom({ adapter: "ckan", url: server.url, catalogToken: server.token });
    for (const request of server.requestsTo("/api/3/action/package_search")) {
      expect(request.query.include_private).toBe("true");
      expect(request.headers.authorization).toBe(server.token);
    }
    const points = pointsOf(round, "datacatalog_datasets");
    expect(points.every((point) => field(point, "private_counted") === true)).toBe(true);
    expect(sum(points, "datasets")).toBe(40);
    expect(sum(points, "private")).toBe(10);
    for (const [organization, sums] of expected(server, true)) {
      expect(field(datasetsOf(round, organization), "private")).toBe(sums.private);
    }
  });

  it("says private datasets were not counted when CKAN takes the token for anonymous (unknown or expired)", async () => {
    server = await startCkan({ datasets: 40, privateEvery: 4 });
    const round = await collectFrom({ adapter: "ckan", url: server.url, catalogToken: "expired-token" });
    const points = pointsOf(round, "datacatalog_datasets");
    expect(sum(points, "datasets")).toBe(30);
    expect(points.every((point) => field(point, "private_counted") === false)).toBe(true);
  });

  it("counts the private datasets of the token's own organizations only", async () => {
    server = await startCkan({
      datasets: 30,
      organizations: 3,
      privateEvery: 2,
      tokenOrganizations: ["org-1"],
    });
    const round = await collectFrom({ adapter: "ckan", url: server.url, catalogToken: server.token });
    expect(field(datasetsOf(round, "org-1"), "private")).toBe(5);
    expect(field(datasetsOf(round, "org-0"), "private")).toBe(0);
    expect(field(datasetsOf(round, "org-1"), "private_counted")).toBe(true);
  });

  it("sends the token in the header CKAN is configured to read (PM_CKAN_TOKEN_HEADER)", async () => {
    server = await startCkan({ datasets: 3 });
    await collectFrom({
      adapter: "ckan",
      url: server.url,
      catalogToken: server.token,
      ckanTokenHeader: "X-CKAN-API-Key",
    });
    const [request] = server.requestsTo("/api/3/action/package_search");
    expect(request?.headers["x-ckan-api-key"]).toBe(server.token);
    expect(request?.headers.authorization).toBeUndefined();
  });

  it("waits as long as a 429's Retry-After asks, then goes on; the round is complete", async () => {
    server = await startCkan({ datasets: 30 });
    server.fail({ status: 429, retryAfter: 1 }, { when: (request) => request.query.start === "10" });
    const round = await collectFrom({ adapter: "ckan", url: server.url, pageSize: 10 });
    const attempts = server.requestsTo("/api/3/action/package_search", { start: "10" });
    expect(attempts).toHaveLength(2);
    expect(attempts[0]?.fault).toMatchObject({ status: 429 });
    // A lower bound only (a timer may fire a millisecond before the wall clock says): it waited the second.
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(990);
    expect(pointWith(round, "pm_datacatalog", {}).fields).toMatchObject({
      complete: { value: true },
      retries: { value: 1n },
      errors: { value: 0n },
    });
    expect(sum(pointsOf(round, "datacatalog_datasets"), "datasets_read")).toBe(30);
  });

  it("retries a passing 500 and completes", async () => {
    server = await startCkan({ datasets: 30 });
    server.fail({ status: 500 }, { times: 2, when: (request) => request.query.start === "20" });
    const round = await collectFrom({ adapter: "ckan", url: server.url, pageSize: 10, retries: 2 });
    expect(pointWith(round, "pm_datacatalog", {}).fields.complete).toEqual({ type: "boolean", value: true });
    expect(round.errorsCounted).toBe(0);
  });

  it("marks the round partial when a page keeps failing, keeping CKAN's exact counts and what was read", async () => {
    server = await startCkan({ datasets: 30, organizations: 3 });
    server.fail({ status: 500 }, { times: Infinity, when: (r) => r.query.start === "20" });
    const round = await collectFrom({ adapter: "ckan", url: server.url, pageSize: 10, retries: 1 });
    const points = pointsOf(round, "datacatalog_datasets");
    expect(points.every((point) => point.tags.coverage === "partial")).toBe(true);
    expect(sum(points, "datasets")).toBe(30);
    expect(sum(points, "datasets_read")).toBe(20);
    expect(pointWith(round, "pm_datacatalog", {}).fields).toMatchObject({
      up: { value: true },
      complete: { value: false },
      errors: { value: 1n },
    });
    expect(round.errorsCounted).toBe(1);
    expect(pointsOf(round, "datacatalog_formats").every((point) => point.tags.coverage === "partial")).toBe(
      true,
    );
  });

  it("takes a cut-off JSON body as a failed page (not retried) and marks the round partial", async () => {
    server = await startCkan({ datasets: 30 });
    server.fail("malformed", { when: (request) => request.query.start === "10" });
    const round = await collectFrom({ adapter: "ckan", url: server.url, pageSize: 10 });
    expect(server.requestsTo("/api/3/action/package_search", { start: "10" })).toHaveLength(1);
    expect(sum(pointsOf(round, "datacatalog_datasets"), "datasets_read")).toBe(10);
    expect(pointsOf(round, "datacatalog_datasets")[0]?.tags.coverage).toBe("partial");
    expect(round.errorsCounted).toBe(1);
  });

  it("skips a malformed dataset, counts it, and keeps the others of its page", async () => {
    server = await startCkan({
      datasets: 5,
      extraPackages: [
        { name: "no-id", resources: [] },
        { id: "bad-resources", resources: "many", organization: { name: "org-0" } },
        null,
      ],
    });
    const round = await collectFrom({ adapter: "ckan", url: server.url });
    expect(pointWith(round, "pm_datacatalog", {}).fields).toMatchObject({
      malformed: { value: 3n },
      datasets_read: { value: 5n },
      complete: { value: true },
    });
  });

  it("writes nothing but its own point when the catalog is down: a gap, no zeros", async () => {
    server = await startCkan({ datasets: 5 });
    server.fail({ status: 503 }, { times: Infinity });
    const round = await collectFrom({ adapter: "ckan", url: server.url, retries: 1 });
    expect(pointsOf(round, "datacatalog_datasets")).toEqual([]);
    expect(pointsOf(round, "datacatalog_formats")).toEqual([]);
    expect(pointWith(round, "pm_datacatalog", {}).fields).toMatchObject({
      up: { value: false },
      errors: { value: 1n },
      retries: { value: 1n },
    });
    expect(round.errorsCounted).toBe(1);
  });

  it("goes on without organization_list when it fails: organizations with datasets are still written", async () => {
    server = await startCkan({ datasets: 9, organizations: 3, emptyOrganizations: ["parks"] });
    server.fail({ status: 500 }, { times: Infinity, path: "/organization_list" });
    const round = await collectFrom({ adapter: "ckan", url: server.url, retries: 0 });
    expect(
      pointsOf(round, "datacatalog_datasets")
        .map((point) => point.tags.organization)
        .sort(),
    ).toEqual(["org-0", "org-1", "org-2"]);
    expect(pointWith(round, "pm_datacatalog", {}).fields).toMatchObject({
      complete: { value: true },
      errors: { value: 1n },
    });
    expect(round.errorsCounted).toBe(1);
  });

  it("does the same when nothing listens at the URL", async () => {
    server = await startCkan();
    const url = server.url;
    await server.close();
    server = undefined;
    const round = await collectFrom({ adapter: "ckan", url, retries: 0 });
    expect(round.map((point) => point.measurement)).toEqual(["pm_datacatalog"]);
    expect(round.errorsCounted).toBe(1);
  });

  it("treats a 403 from a site that requires login as down", async () => {
    server = await startCkan({ datasets: 5, requireAuth: true });
    const round = await collectFrom({ adapter: "ckan", url: server.url });
    expect(server.requestsTo("/api/3/action/package_search")).toHaveLength(1);
    expect(pointsOf(round, "datacatalog_datasets")).toEqual([]);
    expect(field(pointWith(round, "pm_datacatalog", {}), "up")).toBe(false);
  });

  it("reads an empty catalog as real zeros for its organizations", async () => {
    server = await startCkan({ datasets: 0, organizations: 0, emptyOrganizations: ["parks"] });
    const round = await collectFrom({ adapter: "ckan", url: server.url });
    const parks = datasetsOf(round, "parks");
    expect(parks.fields).toMatchObject({ datasets: { value: 0n }, resources: { value: 0n } });
    expect(parks.fields.newest_age_s).toBeUndefined();
    expect(pointsOf(round, "datacatalog_formats")).toEqual([]);
    expect(pointWith(round, "pm_datacatalog", {}).fields).toMatchObject({
      up: { value: true },
      total: { value: 0n },
    });
  });

  it("stops at PM_MAX_PAGES and marks the round partial", async () => {
    server = await startCkan({ datasets: 50 });
    const round = await collectFrom({ adapter: "ckan", url: server.url, pageSize: 10, maxPages: 2 });
    expect(server.requestsTo("/api/3/action/package_search").length).toBe(3);
    expect(sum(pointsOf(round, "datacatalog_datasets"), "datasets_read")).toBe(20);
    expect(pointsOf(round, "datacatalog_datasets").every((point) => point.tags.coverage === "partial")).toBe(
      true,
    );
  });

  it("moves on by the rows CKAN returned when it caps rows below the page size (rows_max)", async () => {
    server = await startCkan({ datasets: 23, rowsMax: 5 });
    const round = await collectFrom({ adapter: "ckan", url: server.url, pageSize: 1000 });
    expect(sum(pointsOf(round, "datacatalog_datasets"), "datasets_read")).toBe(23);
    expect(field(pointWith(round, "pm_datacatalog", {}), "pages")).toBe(5);
  });

  it("counts a dataset handed out twice (the catalog changed while paging) once", async () => {
    server = await startCkan({ datasets: 20 });
    let inserted = false;
    // Just before the second page, a dataset appears in front: the second page starts with the first page's last.
    server.onRequest((request) => {
      if (request.query.start === "10" && !inserted) {
        inserted = true;
        server!.prependPackages({ id: "harvested", organization: { name: "org-0" }, resources: [] });
      }
    });
    const round = await collectFrom({ adapter: "ckan", url: server.url, pageSize: 10 });
    expect(server.requestsTo("/api/3/action/package_search").map((r) => r.query.start)).toEqual([
      undefined,
      "0",
      "10",
      "20",
    ]);
    expect(field(pointWith(round, "pm_datacatalog", {}), "datasets_read")).toBe(20);
  });

  it("maps organizations to orgs with PM_ORGS; the others go to PM_ORG", async () => {
    server = await startCkan({ datasets: 9, organizations: 3 });
    const round = await collectFrom(
      { adapter: "ckan", url: server.url, orgs: { "org-1": "acme" } },
      { PM_ORG: "platform" },
    );
    expect(datasetsOf(round, "org-1").tags.org).toBe("acme");
    expect(datasetsOf(round, "org-0").tags.org).toBe("platform");
    expect(pointWith(round, "datacatalog_formats", { format: "CSV" }).tags.org).toBe("platform");
  });

  it("counts datasets not modified within PM_STALE_AFTER as stale, and gives the ages", async () => {
    const now = Date.now();
    // Generated datasets are modified (index % 200) days ago: 0..39 days here.
    server = await startCkan({ datasets: 40, organizations: 1, now });
    const round = await collectFrom({ adapter: "ckan", url: server.url, staleAfter: "30d" });
    const point = datasetsOf(round, "org-0");
    // 30..39 days old: ten datasets.
    expect(field(point, "stale")).toBe(10);
    expect(field(point, "oldest_age_s")).toBeGreaterThanOrEqual(39 * 86_400);
    expect(field(point, "newest_age_s")).toBeLessThan(86_400);
  });
});
