import { type OpenMetadataServer, startOpenMetadata } from "@platform-metrics/testing";
import { afterEach, describe, expect, it } from "vitest";
import { collectFrom, field, pointsOf, pointWith, sum } from "./helpers.js";

let server: OpenMetadataServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const TABLES = "/api/v1/tables";

function config(extra: Record<string, unknown> = {}) {
  return { adapter: "openmetadata", url: server!.url, catalogToken: server!.token, ...extra };
}

describe("openmetadata adapter", () => {
  it("follows paging.after across several pages with the bearer token, and sums tables by service and owner", async () => {
    server = await startOpenMetadata({
      tables: 47,
      services: 2,
      teams: 3,
      unownedEvery: 5,
      userOwnedEvery: 7,
    });
    const round = await collectFrom(config({ pageSize: 10 }));
    const requests = server.requestsTo(TABLES);
    expect(requests).toHaveLength(5);
    expect(requests[0]?.query).toEqual({ fields: "owners,tags", limit: "10" });
    expect(requests.slice(1).every((request) => typeof request.query.after === "string")).toBe(true);
    expect(requests.every((request) => request.headers.authorization === `Bearer ${server!.token}`)).toBe(
      true,
    );

    // Worked out from the tables as stored, on their own.
    const want = new Map<string, number>();
    for (const table of server.tables()) {
      const owners = table.owners as { type: string; name: string }[];
      const owner = owners.find((o) => o.type === "team") ?? owners.find((o) => o.type === "user");
      const key = `${(table.service as { name: string }).name}|${owner ? `${owner.type}:${owner.name}` : ""}`;
      want.set(key, (want.get(key) ?? 0) + 1);
    }
    const points = pointsOf(round, "datacatalog_datasets");
    expect(points).toHaveLength(want.size);
    for (const point of points) {
      expect(field(point, "datasets")).toBe(want.get(`${point.tags.service}|${point.tags.owner ?? ""}`));
      expect(point.tags.coverage).toBe("complete");
      // Tables have no resources, sizes or private flag: those fields are not written.
      expect(point.fields.resources).toBeUndefined();
      expect(point.fields.private_counted).toBeUndefined();
    }
    expect(sum(points, "datasets")).toBe(47);
    expect(points.some((point) => point.tags.owner?.startsWith("user:"))).toBe(true);
    expect(points.some((point) => point.tags.owner === undefined)).toBe(true);
    expect(pointWith(round, "pm_datacatalog", {}).fields).toMatchObject({
      total: { value: 47n },
      pages: { value: 5n },
      complete: { value: true },
    });
  });

  it("counts tables per type in datacatalog_formats and untagged tables", async () => {
    server = await startOpenMetadata({ tables: 20 });
    const round = await collectFrom(config());
    expect(field(pointWith(round, "datacatalog_formats", { format: "View" }), "datasets")).toBe(5);
    // Every 4th generated table has no tags.
    expect(sum(pointsOf(round, "datacatalog_datasets"), "untagged")).toBe(5);
  });

  it("maps owners, then services, to orgs with PM_ORGS", async () => {
    server = await startOpenMetadata({ tables: 12, services: 2, teams: 2, unownedEvery: 3 });
    const round = await collectFrom(
      config({ orgs: { "team:team_1": "acme", "service:warehouse_0": "bravo" } }),
      { PM_ORG: "platform" },
    );
    for (const point of pointsOf(round, "datacatalog_datasets")) {
      const expectedOrg =
        point.tags.owner === "team:team_1"
          ? "acme"
          : point.tags.service === "warehouse_0"
            ? "bravo"
            : "platform";
      expect(point.tags.org, JSON.stringify(point.tags)).toBe(expectedOrg);
    }
  });

  it("is down without a token: 401, not retried, no catalog points", async () => {
    server = await startOpenMetadata({ tables: 5 });
    const round = await collectFrom({ adapter: "openmetadata", url: server.url });
    expect(server.requestsTo(TABLES)).toHaveLength(1);
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(round.map((point) => point.measurement)).toEqual(["pm_datacatalog"]);
    expect(round.errorsCounted).toBe(1);
  });

  it("is down with a wrong token", async () => {
    server = await startOpenMetadata({ tables: 5 });
    const round = await collectFrom(config({ catalogToken: "not-the-token" }));
    expect(field(pointWith(round, "pm_datacatalog", {}), "up")).toBe(false);
    expect(pointsOf(round, "datacatalog_datasets")).toEqual([]);
  });

  it("honours a 429's Retry-After (an HTTP date) and completes", async () => {
    server = await startOpenMetadata({ tables: 25 });
    const retryAt = new Date(Date.now() + 2000).toUTCString();
    server.fail(
      { status: 429, retryAfter: retryAt },
      { when: (request) => request.query.after !== undefined },
    );
    const round = await collectFrom(config({ pageSize: 10 }));
    const [refused, retried] = server.requestsTo(TABLES).slice(1, 3);
    expect(refused?.fault).toMatchObject({ status: 429 });
    expect(retried?.query.after).toBe(refused?.query.after);
    // HTTP dates have whole seconds: the wait is at least what was left of the date when the 429 went out.
    expect(retried!.at).toBeGreaterThanOrEqual(Date.parse(retryAt) - 10);
    expect(field(pointWith(round, "pm_datacatalog", {}), "complete")).toBe(true);
  });

  it("marks the round partial when a later page keeps failing with 500", async () => {
    server = await startOpenMetadata({ tables: 30 });
    server.fail({ status: 500 }, { times: Infinity, when: (request) => request.query.after !== undefined });
    const round = await collectFrom(config({ pageSize: 10, retries: 1 }));
    const points = pointsOf(round, "datacatalog_datasets");
    expect(sum(points, "datasets")).toBe(10);
    expect(points.every((point) => point.tags.coverage === "partial")).toBe(true);
    expect(pointWith(round, "pm_datacatalog", {}).fields).toMatchObject({
      up: { value: true },
      complete: { value: false },
      total: { value: 30n },
      retries: { value: 1n },
    });
    expect(round.errorsCounted).toBe(1);
  });

  it("is down when the first page is a cut-off JSON body", async () => {
    server = await startOpenMetadata({ tables: 5 });
    server.fail("malformed");
    const round = await collectFrom(config());
    expect(round.map((point) => point.measurement)).toEqual(["pm_datacatalog"]);
    expect(round.errorsCounted).toBe(1);
  });

  it("times out a request that gets no answer, retries it, and completes", async () => {
    server = await startOpenMetadata({ tables: 5 });
    server.fail("hang");
    const round = await collectFrom(config({ requestTimeout: "500ms", retries: 1 }));
    expect(server.requestsTo(TABLES)).toHaveLength(2);
    expect(field(pointWith(round, "pm_datacatalog", {}), "complete")).toBe(true);
  });

  it("skips malformed tables and counts them", async () => {
    server = await startOpenMetadata({
      tables: 3,
      extraTables: [
        { name: "zz_no_service", id: "x1" },
        { name: "zz_bad_owners", id: "x2", service: { name: "s" }, owners: "alice" },
      ],
    });
    const round = await collectFrom(config());
    expect(pointWith(round, "pm_datacatalog", {}).fields).toMatchObject({
      malformed: { value: 2n },
      datasets_read: { value: 3n },
    });
  });

  it("stops, partial, when the server hands back the cursor it was given instead of paging forever", async () => {
    server = await startOpenMetadata({ tables: 50, stuckCursor: true });
    const round = await collectFrom(config({ pageSize: 10 }));
    // The second page's tables count; its cursor, the one sent, is not followed.
    expect(server.requestsTo(TABLES)).toHaveLength(2);
    expect(pointWith(round, "pm_datacatalog", {}).fields).toMatchObject({
      complete: { value: false },
      datasets_read: { value: 20n },
      errors: { value: 1n },
    });
  });

  it("reads an empty catalog: up, total 0, no groups", async () => {
    server = await startOpenMetadata({ tables: 0 });
    const round = await collectFrom(config());
    expect(pointsOf(round, "datacatalog_datasets")).toEqual([]);
    expect(pointWith(round, "pm_datacatalog", {}).fields).toMatchObject({
      up: { value: true },
      complete: { value: true },
      total: { value: 0n },
    });
  });

  it("stops at PM_MAX_PAGES and marks the round partial", async () => {
    server = await startOpenMetadata({ tables: 50 });
    const round = await collectFrom(config({ pageSize: 10, maxPages: 3 }));
    expect(server.requestsTo(TABLES)).toHaveLength(3);
    expect(sum(pointsOf(round, "datacatalog_datasets"), "datasets_read")).toBe(30);
    expect(field(pointWith(round, "pm_datacatalog", {}), "complete")).toBe(false);
  });
});
