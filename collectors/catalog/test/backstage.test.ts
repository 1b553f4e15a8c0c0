import {
  type BackstageCatalogServer,
  type BackstageEntity,
  backstageEntity,
  startBackstageCatalog,
} from "@platform-metrics/testing";
import { afterEach, describe, expect, it } from "vitest";
import { collect, fieldsOf, pointsOf, selfPoint, sumBy } from "./helpers.js";

const TOKEN = "backstage-test-token-1234";
const servers: BackstageCatalogServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function catalog(
  entities: BackstageEntity[] | number,
  options: { withoutQueryEndpoint?: boolean } = {},
) {
  const server = await startBackstageCatalog({ entities, token: TOKEN, ...options });
  servers.push(server);
  return server;
}

const config = (server: BackstageCatalogServer, extra: Record<string, unknown> = {}) => ({
  adapter: "backstage",
  url: server.url,
  catalogToken: TOKEN,
  pageSize: 50,
  ...extra,
});

/** What the collector should count for the generated entities 0..n-1, by a plain reading of them. */
function expectedCounts(n: number) {
  const entities = Array.from({ length: n }, (_, i) => backstageEntity(i));
  const owned = new Set(["component", "api", "resource", "system"]);
  return {
    total: n,
    noOwner: entities.filter((e) => owned.has(e.kind.toLowerCase()) && e.spec?.owner === undefined).length,
    noDescription: entities.filter((e) => e.metadata.description === undefined).length,
    orphaned: entities.filter((e) => e.metadata.annotations?.["backstage.io/orphan"] === "true").length,
    components: entities.filter((e) => e.kind === "Component").length,
    componentsWithoutSystem: entities.filter((e) => e.kind === "Component" && e.spec?.system === undefined)
      .length,
    team1: entities.filter((e) => typeof e.spec?.owner === "string" && e.spec.owner.endsWith("team-1"))
      .length,
    productionServices: entities.filter(
      (e) => e.kind === "Component" && e.spec?.type === "service" && e.spec?.lifecycle === "production",
    ).length,
  };
}

describe("backstage adapter", () => {
  it("pages /entities/by-query by cursor across many pages and counts every entity once", async () => {
    const server = await catalog(1234);
    const points = await collect(config(server));
    const expected = expectedCounts(1234);

    const queries = server.requestsTo("/entities/by-query");
    expect(queries).toHaveLength(25);
    expect(queries[0]?.query.cursor).toBeUndefined();
    expect(queries.slice(1).every((request) => request.query.cursor !== undefined)).toBe(true);
    expect(queries.every((request) => request.query.limit === "50")).toBe(true);
    expect(queries[0]?.query.fields).toBe(
      "kind,metadata.namespace,metadata.description,metadata.annotations,spec.type,spec.lifecycle,spec.owner,spec.system",
    );
    expect(queries.every((request) => request.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);

    const entities = pointsOf(points, "catalog_entities");
    expect(Object.values(sumBy(entities, "count")).reduce((a, b) => a + b, 0)).toBe(expected.total);
    expect(entities.some((point) => point.tags.partial !== undefined)).toBe(false);
    const services = entities.filter(
      (p) => p.tags.kind === "Component" && p.tags.type === "service" && p.tags.lifecycle === "production",
    );
    expect(services.reduce((sum, p) => sum + Number(fieldsOf(p).count), 0)).toBe(expected.productionServices);

    const quality = pointsOf(points, "catalog_quality");
    expect(quality).toHaveLength(1);
    expect(quality[0]?.tags.org).toBe("platform");
    expect(fieldsOf(quality[0])).toEqual({
      entities: expected.total,
      no_owner: expected.noOwner,
      no_description: expected.noDescription,
      orphaned: expected.orphaned,
      components: expected.components,
      components_without_system: expected.componentsWithoutSystem,
    });
    expect(selfPoint(points)).toEqual({
      up: true,
      complete: true,
      pages: 25,
      items: 1234,
      expected_items: 1234,
      malformed: 0,
      retries: 0,
    });
    expect(points.errorsCounted).toBe(0);
  });

  it("gives an entity the org of its owner, however the owner ref is written, else of its namespace", async () => {
    const server = await catalog(700);
    const points = await collect(
      config(server, { orgs: { "Group:default/team-1": "acme", "namespace:payments": "pay" } }),
    );
    const entities = Array.from({ length: 700 }, (_, i) => backstageEntity(i));
    // team-1 and group:team-1 mean group:<the entity's namespace>/team-1.
    const ownedByTeam1 = (e: BackstageEntity) =>
      e.spec?.owner === "group:default/team-1" ||
      (e.metadata.namespace === "default" &&
        (e.spec?.owner === "team-1" || e.spec?.owner === "group:team-1"));
    const acme = entities.filter(ownedByTeam1).length;
    const pay = entities.filter((e) => e.metadata.namespace === "payments" && !ownedByTeam1(e)).length;
    expect(acme).toBeGreaterThan(50);
    expect(pay).toBeGreaterThan(50);
    const counts = sumBy(pointsOf(points, "catalog_entities"), "count");
    expect(counts.acme).toBe(acme);
    expect(counts.pay).toBe(pay);
    expect(counts.platform).toBe(700 - acme - pay);
    expect(sumBy(pointsOf(points, "catalog_quality"), "entities")).toEqual(counts);
  });

  it("pages the older GET /entities by offset when by-query answers 404", async () => {
    const server = await catalog(260, { withoutQueryEndpoint: true });
    const points = await collect(config(server));
    const lists = server.requestsTo("/entities");
    expect(lists.map((request) => request.query.offset)).toEqual(["0", "50", "100", "150", "200", "250"]);
    expect(server.requestsTo("/entities/by-query")).toHaveLength(1);
    expect(sumBy(pointsOf(points, "catalog_quality"), "entities")).toEqual({ platform: 260 });
    expect(selfPoint(points)).toMatchObject({ up: true, complete: true, pages: 6, items: 260 });
    expect(points.errorsCounted).toBe(0);
  });

  it("stops at the page cap and marks every point partial", async () => {
    const server = await catalog(1000);
    const points = await collect(config(server, { maxPages: 3 }));
    expect(server.requestsTo("/entities/by-query")).toHaveLength(3);
    for (const measurement of ["catalog_entities", "catalog_quality"]) {
      const written = pointsOf(points, measurement);
      expect(written.length).toBeGreaterThan(0);
      expect(written.every((point) => point.tags.partial === "true")).toBe(true);
    }
    expect(sumBy(pointsOf(points, "catalog_quality"), "entities")).toEqual({ platform: 150 });
    expect(selfPoint(points)).toMatchObject({
      up: true,
      complete: false,
      pages: 3,
      items: 150,
      expected_items: 1000,
    });
    expect(points.errorsCounted).toBe(0);
  });

  it("waits as a 429's Retry-After asks and then reads the whole catalog", async () => {
    const server = await catalog(120);
    server.fail({ status: 429, retryAfter: 1 }, { path: "/entities/by-query", skip: 1 });
    const points = await collect(config(server));
    expect(server.requestsTo("/entities/by-query")).toHaveLength(4);
    expect(selfPoint(points)).toMatchObject({ complete: true, items: 120, retries: 1 });
    expect(pointsOf(points, "catalog_quality").every((point) => point.tags.partial === undefined)).toBe(true);
  });

  it("tries a page again after 500s and counts it once", async () => {
    const server = await catalog(120);
    server.fail({ status: 500 }, { path: "/entities/by-query", skip: 2, times: 2 });
    const points = await collect(config(server));
    expect(selfPoint(points)).toMatchObject({ complete: true, pages: 3, items: 120, retries: 2 });
    expect(sumBy(pointsOf(points, "catalog_quality"), "entities")).toEqual({ platform: 120 });
  });

  it("writes what it read as partial, and counts an error, when a later page keeps failing", async () => {
    const server = await catalog(300);
    server.fail({ status: 503 }, { path: "/entities/by-query", skip: 2, times: Infinity });
    const points = await collect(config(server, { retries: 1 }));
    expect(points.errorsCounted).toBe(1);
    expect(sumBy(pointsOf(points, "catalog_quality"), "entities")).toEqual({ platform: 100 });
    expect(pointsOf(points, "catalog_entities").every((point) => point.tags.partial === "true")).toBe(true);
    expect(selfPoint(points)).toMatchObject({ up: true, complete: false, pages: 2, items: 100, retries: 1 });
  });

  it("writes no counts, only up=false, and counts an error when the first page is malformed JSON", async () => {
    const server = await catalog(300);
    server.fail("malformed", { path: "/entities/by-query", times: Infinity });
    const points = await collect(config(server));
    expect(points.errorsCounted).toBe(1);
    expect(points.map((point) => point.measurement)).toEqual(["pm_catalog"]);
    expect(selfPoint(points)).toMatchObject({ up: false, complete: false, pages: 0, items: 0, retries: 0 });
  });

  it("does not retry a refused token, and writes no counts", async () => {
    const server = await catalog(300);
    const points = await collect(config(server, { catalogToken: "wrong-token-5678" }));
    expect(server.requestsTo("/entities/by-query")).toHaveLength(1);
    expect(points.errorsCounted).toBe(1);
    expect(points.map((point) => point.measurement)).toEqual(["pm_catalog"]);
    expect(selfPoint(points)).toMatchObject({ up: false, retries: 0 });
  });

  it("writes up=false and no zeros when the catalog is down", async () => {
    const server = await catalog(10);
    const url = server.url;
    await server.close();
    servers.pop();
    const points = await collect({ ...config(server), url, retries: 0 });
    expect(points.errorsCounted).toBe(1);
    expect(points.map((point) => point.measurement)).toEqual(["pm_catalog"]);
    expect(selfPoint(points)).toMatchObject({ up: false, items: 0 });
  });

  it("gives up on a catalog that accepts the connection and never answers, after its timeout", async () => {
    const server = await catalog(10);
    server.fail("hang", { times: Infinity });
    const points = await collect(config(server, { requestTimeout: 300, retries: 1 }));
    expect(points.errorsCounted).toBe(1);
    expect(points.map((point) => point.measurement)).toEqual(["pm_catalog"]);
    expect(selfPoint(points)).toMatchObject({ up: false, retries: 2 });
    // /entity-facets first (it gave up on it and went on), then by-query: two attempts each.
    expect(server.requests.map((request) => request.path.split("/").pop())).toEqual([
      "entity-facets",
      "entity-facets",
      "by-query",
      "by-query",
    ]);
  });

  it("reads an empty catalog as complete, with nothing to count", async () => {
    const server = await catalog(0);
    const points = await collect(config(server));
    expect(points.map((point) => point.measurement)).toEqual(["pm_catalog"]);
    expect(selfPoint(points)).toEqual({
      up: true,
      complete: true,
      pages: 1,
      items: 0,
      expected_items: 0,
      malformed: 0,
      retries: 0,
    });
    expect(points.errorsCounted).toBe(0);
  });

  it("skips entities that are not what the API documents, counts them, and keeps the others", async () => {
    const good = Array.from({ length: 5 }, (_, i) => backstageEntity(i));
    const bad = [
      { apiVersion: "backstage.io/v1alpha1", metadata: { name: "no-kind" } },
      { ...backstageEntity(5), spec: { type: 42 } },
      "not an object",
      null,
    ] as unknown as BackstageEntity[];
    const server = await catalog([...good.slice(0, 2), ...bad, ...good.slice(2)]);
    const points = await collect(config(server));
    expect(selfPoint(points)).toMatchObject({ complete: true, items: 5, malformed: 4, expected_items: 6 });
    expect(sumBy(pointsOf(points, "catalog_quality"), "entities")).toEqual({ platform: 5 });
  });

  it("turns free text into safe tag values and caps the number of series", async () => {
    const odd = Array.from({ length: 30 }, (_, i) => ({
      ...backstageEntity(0),
      spec: { type: `type ${i}\nwith a newline, and ${"x".repeat(300)}`, owner: "team-1" },
    }));
    const server = await catalog(odd);
    const points = await collect(config(server, { maxSeries: 10 }));
    const entities = pointsOf(points, "catalog_entities");
    expect(entities).toHaveLength(11);
    expect(fieldsOf(entities.find((point) => point.tags.type === "_other")).count).toBe(20);
    for (const point of entities) {
      expect(point.tags.type?.length).toBeLessThanOrEqual(100);
      expect(point.tags.type).not.toContain("\n");
    }
  });
});
