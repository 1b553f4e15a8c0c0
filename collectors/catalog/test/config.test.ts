import { ConfigError, collectOnce, resolveCollectorConfig } from "@platform-metrics/sdk";
import { describe, expect, it } from "vitest";
import collector from "../src/collector.js";
import { OrgMap, ownerRef } from "../src/orgs.js";

const resolve = (env: Record<string, string>) => resolveCollectorConfig(collector, { env, overrides: {} });

describe("catalog config", () => {
  it("reads the adapter, URL, orgs and secrets from the environment", () => {
    const config = resolve({
      PM_ADAPTER: "backstage",
      PM_URL: "http://backstage:7007/api/catalog",
      PM_ORGS: '{"group:default/team-a":"acme","namespace:payments":"acme"}',
      PM_CATALOG_TOKEN: "t0ken",
      PM_BACKSTAGE_API: "entities",
    });
    expect(config).toMatchObject({
      adapter: "backstage",
      url: "http://backstage:7007/api/catalog",
      orgs: { "group:default/team-a": "acme", "namespace:payments": "acme" },
      catalogToken: "t0ken",
      backstageApi: "entities",
      pageSize: 500,
      maxPages: 1000,
    });
  });

  it.each([
    [{ PM_ADAPTER: "jira", PM_URL: "http://x" }, "PM_ADAPTER"],
    [{ PM_ADAPTER: "osb" }, "PM_URL"],
    [{ PM_ADAPTER: "osb", PM_URL: "ftp://broker" }, "expected an http:// or https:// URL"],
    [{ PM_ADAPTER: "osb", PM_URL: "http://admin:secret-pw@broker" }, "not in the URL"],
    [{ PM_ADAPTER: "backstage", PM_URL: "http://x", PM_ORGS: '{"team a":"acme"}' }, "expected an owner ref"],
    [
      { PM_ADAPTER: "backstage", PM_URL: "http://x", PM_ORGS: '{"group:default/a":"Not An Org"}' },
      "NATS subject token",
    ],
    [{ PM_ADAPTER: "backstage", PM_URL: "http://x", PM_PAGE_SIZE: "0" }, "PM_PAGE_SIZE"],
    [{ PM_ADAPTER: "osb", PM_URL: "http://x", PM_BROKER: "a b" }, "PM_BROKER"],
  ])("refuses %j, naming %s", (env, expected) => {
    let error: unknown;
    try {
      resolve(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(expected);
    expect((error as Error).message).not.toContain("secret-pw");
  });

  it("refuses a password without a user name at start", async () => {
    await expect(
      collectOnce(collector, { adapter: "osb", url: "http://127.0.0.1:9", catalogPassword: "pw-1234" }),
    ).rejects.toThrow("PM_CATALOG_PASSWORD is set but PM_CATALOG_USER is not");
  });
});

describe("org of an entity", () => {
  it.each([
    ["team-a", "default", "group:default/team-a"],
    ["group:team-a", "shop", "group:shop/team-a"],
    ["Group:Default/Team-A", "shop", "group:default/team-a"],
    ["user:default/jane", "shop", "user:default/jane"],
    ["shop/team-b", "default", "group:shop/team-b"],
  ])("reads owner %j in namespace %j as %j", (owner, namespace, ref) => {
    expect(ownerRef(owner, namespace)).toBe(ref);
  });

  it("looks up the owner, then the namespace, then falls back to PM_ORG", () => {
    const orgs = new OrgMap(
      { "team-a": "acme", "namespace:payments": "pay", "broker:Main": "ops" },
      "platform",
    );
    expect(orgs.ofEntity("group:default/team-a", "payments")).toBe("acme");
    expect(orgs.ofEntity("team-a", "payments")).toBe("pay");
    expect(orgs.ofEntity(undefined, "payments")).toBe("pay");
    expect(orgs.ofEntity("team-z", undefined)).toBe("platform");
    expect(orgs.ofBroker("main")).toBe("ops");
    expect(orgs.ofBroker("other")).toBe("platform");
  });
});
