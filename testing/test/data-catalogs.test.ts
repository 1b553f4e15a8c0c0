import { startCkan, startOpenMetadata } from "@platform-metrics/testing";
import { describe, expect, it } from "vitest";

// The bodies have several shapes; the assertions check them.
// biome-ignore lint/suspicious/noExplicitAny: JSON read by the assertions below
type Json = Record<string, any>;

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, body: (await response.json()) as Json };
}

describe("simulated CKAN", () => {
  it("answers package_search in CKAN's envelope, with facets sorted by name descending, rows capped silently", async () => {
    const ckan = await startCkan({ datasets: 12, organizations: 3, rowsMax: 5 });
    try {
      const facets = await get(
        `${ckan.url}/api/3/action/package_search?rows=0&facet.field=["organization"]&facet.limit=-1`,
      );
      expect(facets.status).toBe(200);
      expect(facets.body).toMatchObject({ success: true, help: expect.stringContaining("help_show") });
      expect(
        facets.body.result.search_facets.organization.items.map((i: { name: string }) => i.name),
      ).toEqual(["org-2", "org-1", "org-0"]);
      const page = await get(`${ckan.url}/api/3/action/package_search?rows=1000&start=10`);
      expect(page.body.result.count).toBe(12);
      expect(page.body.result.results).toHaveLength(2);
      const capped = await get(`${ckan.url}/api/3/action/package_search?rows=1000`);
      expect(capped.body.result.results).toHaveLength(5);
    } finally {
      await ckan.close();
    }
  });

  it("hides private datasets from anonymous callers and unknown tokens, shows them to the token", async () => {
    const ckan = await startCkan({ datasets: 10, privateEvery: 2 });
    try {
      const url = `${ckan.url}/api/3/action/package_search?rows=0&include_private=true`;
      expect((await get(url)).body.result.count).toBe(5);
      expect((await get(url, { authorization: "nope" })).body.result.count).toBe(5);
      expect((await get(url, { authorization: ckan.token })).body.result.count).toBe(10);
      const mine = await get(`${ckan.url}/api/3/action/organization_list_for_user`, {
        authorization: "nope",
      });
      expect(mine.body.result).toEqual([]);
    } finally {
      await ckan.close();
    }
  });

  it("caps organization_list with all_fields at 25 and refuses what CKAN refuses", async () => {
    const ckan = await startCkan({ organizations: 30 });
    try {
      const list = await get(`${ckan.url}/api/3/action/organization_list?all_fields=true&limit=1000`);
      expect(list.body.result).toHaveLength(25);
      expect(list.body.result[0]).toMatchObject({ is_organization: true, type: "organization" });
      const bad = await get(`${ckan.url}/api/3/action/package_search?facet.field=organization`);
      expect(bad.status).toBe(409);
      expect(bad.body.error.__type).toBe("Validation Error");
      const unknown = await get(`${ckan.url}/api/3/action/package_dance`);
      expect(unknown.status).toBe(400);
    } finally {
      await ckan.close();
    }
  });
});

describe("simulated OpenMetadata", () => {
  it("pages tables with an opaque after cursor and a total, owners and tags only when asked", async () => {
    const om = await startOpenMetadata({ tables: 25 });
    try {
      const auth = { authorization: `Bearer ${om.token}` };
      const first = await get(`${om.url}/api/v1/tables?limit=10`, auth);
      expect(first.body.paging).toEqual({ after: expect.any(String), total: 25 });
      expect(first.body.data[0].owners).toBeUndefined();
      const names: string[] = first.body.data.map((t: { name: string }) => t.name);
      let after = first.body.paging.after;
      while (after !== undefined) {
        const page = await get(
          `${om.url}/api/v1/tables?limit=10&fields=owners,tags&after=${encodeURIComponent(after)}`,
          auth,
        );
        expect(page.body.data[0].owners).toBeDefined();
        names.push(...page.body.data.map((t: { name: string }) => t.name));
        after = page.body.paging.after;
      }
      expect(names).toHaveLength(25);
      expect(new Set(names).size).toBe(25);
    } finally {
      await om.close();
    }
  });

  it("refuses a missing or wrong token (401), an unknown field and a limit above the maximum (400)", async () => {
    const om = await startOpenMetadata({ tables: 1, limitMax: 1000 });
    try {
      expect(await get(`${om.url}/api/v1/tables`)).toEqual({
        status: 401,
        body: { code: 401, message: "Not Authorized! Token not present" },
      });
      expect((await get(`${om.url}/api/v1/tables`, { authorization: "Bearer x" })).status).toBe(401);
      const auth = { authorization: `Bearer ${om.token}` };
      expect((await get(`${om.url}/api/v1/tables?fields=owner`, auth)).body.message).toBe(
        "Invalid field name owner",
      );
      expect((await get(`${om.url}/api/v1/tables?limit=1001`, auth)).status).toBe(400);
    } finally {
      await om.close();
    }
  });
});
