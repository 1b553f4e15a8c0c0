import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import {
  type BackstageCatalogServer,
  type OsbBrokerServer,
  startBackstageCatalog,
  startOsbBroker,
} from "../src/index.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function get(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>(
    (resolve, reject) => {
      const req = request(url, { headers }, (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      });
      req.on("error", reject);
      req.end();
    },
  );
}

async function backstage(
  options: Parameters<typeof startBackstageCatalog>[0],
): Promise<BackstageCatalogServer> {
  const server = await startBackstageCatalog(options);
  closers.push(() => server.close());
  return server;
}

async function broker(options: Parameters<typeof startOsbBroker>[0]): Promise<OsbBrokerServer> {
  const server = await startOsbBroker(options);
  closers.push(() => server.close());
  return server;
}

describe("simulated Backstage catalog", () => {
  it("pages /entities/by-query by cursor with the documented response shape and prunes to fields", async () => {
    const catalog = await backstage({ entities: 45 });
    const first = JSON.parse(
      (await get(`${catalog.url}/entities/by-query?limit=20&fields=kind,metadata.name`)).text,
    );
    expect(Object.keys(first).sort()).toEqual(["items", "pageInfo", "totalItems"]);
    expect(first.totalItems).toBe(45);
    expect(first.items).toHaveLength(20);
    expect(first.items[0]).toEqual({ kind: "Component", metadata: { name: "component-0" } });
    expect(first.pageInfo.prevCursor).toBeUndefined();
    const names: string[] = first.items.map((e: { metadata: { name: string } }) => e.metadata.name);
    let cursor = first.pageInfo.nextCursor;
    while (cursor) {
      const page = JSON.parse(
        (await get(`${catalog.url}/entities/by-query?cursor=${cursor}&fields=metadata.name`)).text,
      );
      expect(page.pageInfo.prevCursor).toBeDefined();
      names.push(...page.items.map((e: { metadata: { name: string } }) => e.metadata.name));
      cursor = page.pageInfo.nextCursor;
    }
    expect(new Set(names).size).toBe(45);
  });

  it("pages /entities by offset, counts facets, and answers errors in the catalog's shape", async () => {
    const catalog = await backstage({ entities: 30, token: "t" });
    const auth = { authorization: "Bearer t" };
    const list = JSON.parse((await get(`${catalog.url}/entities?offset=25&limit=10`, auth)).text);
    expect(list).toHaveLength(5);
    const facets = JSON.parse((await get(`${catalog.url}/entity-facets?facet=kind`, auth)).text);
    expect(facets.facets.kind.reduce((sum: number, f: { count: number }) => sum + f.count, 0)).toBe(30);
    const refused = await get(`${catalog.url}/entities`, { authorization: "Bearer wrong" });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text)).toMatchObject({
      error: { name: "AuthenticationError" },
      response: { statusCode: 401 },
    });
    expect((await get(`${catalog.url}/entities?limit=x`, auth)).status).toBe(400);
    expect((await get(`${catalog.url}/entities/by-query?cursor=%%%`, auth)).status).toBe(400);
  });

  it("has no by-query endpoint when asked to be an older catalog, and serves faults in order", async () => {
    const catalog = await backstage({ entities: 3, withoutQueryEndpoint: true });
    expect((await get(`${catalog.url}/entities/by-query`)).status).toBe(404);
    catalog.fail({ status: 429, retryAfter: 7 }, { path: "/entities", skip: 1, times: 2 });
    expect((await get(`${catalog.url}/entities`)).status).toBe(200);
    const limited = await get(`${catalog.url}/entities`);
    expect([limited.status, limited.headers["retry-after"]]).toEqual([429, "7"]);
    expect((await get(`${catalog.url}/entities`)).status).toBe(429);
    expect((await get(`${catalog.url}/entities`)).status).toBe(200);
    catalog.fail("malformed");
    const malformed = await get(`${catalog.url}/entities`);
    expect(malformed.status).toBe(200);
    expect(() => JSON.parse(malformed.text)).toThrow();
  });
});

describe("simulated Open Service Broker", () => {
  it("requires the API version header and basic auth, and answers 304 to its ETag", async () => {
    const osb = await broker({ services: 2, username: "u", password: "p" });
    const basic = { authorization: `Basic ${Buffer.from("u:p").toString("base64")}` };
    expect((await get(`${osb.url}/v2/catalog`, { "x-broker-api-version": "2.17" })).status).toBe(401);
    expect((await get(`${osb.url}/v2/catalog`, basic)).status).toBe(412);
    const ok = await get(`${osb.url}/v2/catalog`, { ...basic, "x-broker-api-version": "2.17" });
    expect(ok.status).toBe(200);
    expect(ok.headers.etag).toBe(osb.etag);
    const catalog = JSON.parse(ok.text);
    expect(catalog.services).toHaveLength(2);
    expect(Object.keys(catalog.services[0])).toEqual(
      expect.arrayContaining(["id", "name", "description", "bindable", "plans"]),
    );
    const again = await get(`${osb.url}/v2/catalog`, {
      ...basic,
      "x-broker-api-version": "2.17",
      "if-none-match": osb.etag,
    });
    expect([again.status, again.text]).toEqual([304, ""]);
    osb.setServices(3);
    const changed = await get(`${osb.url}/v2/catalog`, {
      ...basic,
      "x-broker-api-version": "2.17",
      "if-none-match": String(ok.headers.etag),
    });
    expect(changed.status).toBe(200);
  });
});
