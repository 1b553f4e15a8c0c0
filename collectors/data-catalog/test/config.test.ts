import { ConfigError, resolveCollectorConfig } from "@platform-metrics/sdk";
import { describe, expect, it } from "vitest";
import collector from "../src/collector.js";
import type { DataCatalogConfig } from "../src/config.js";
import { conflictingSettings } from "../src/state.js";

const resolve = (env: Record<string, string>) =>
  resolveCollectorConfig(collector, { env: { PM_ADAPTER: "ckan", PM_URL: "http://ckan:5000/", ...env } });

describe("configuration", () => {
  it("needs only the adapter and the URL, with defaults for the rest", () => {
    expect(resolve({})).toMatchObject({
      adapter: "ckan",
      url: "http://ckan:5000",
      orgs: {},
      staleAfter: 90 * 86_400_000,
      pageSize: 100,
      maxPages: 1000,
      requestTimeout: 30_000,
      retries: 3,
      ckanTokenHeader: "Authorization",
      interval: 900_000,
      httpPort: 9477,
    });
  });

  it("reads secrets from PM_CATALOG_TOKEN and PM_CATALOG_PASSWORD, and orgs as JSON", () => {
    const config = resolve({
      PM_CATALOG_TOKEN: "t0ken",
      PM_CATALOG_USER: "metrics",
      PM_CATALOG_PASSWORD: "s3cret",
      PM_ORGS: '{"transport":"acme","team:data":"bravo"}',
      PM_STALE_AFTER: "30d",
    });
    expect(config).toMatchObject({
      catalogToken: "t0ken",
      catalogUser: "metrics",
      catalogPassword: "s3cret",
      orgs: { transport: "acme", "team:data": "bravo" },
      staleAfter: 30 * 86_400_000,
    });
  });

  it.each([
    ["PM_ADAPTER", "backstage"],
    ["PM_URL", "ftp://ckan"],
    ["PM_URL", "http://ckan:5000/?q=1"],
    ["PM_URL", "ckan:5000"],
    ["PM_ORGS", '{"transport":"Not An Org"}'],
    ["PM_ORGS", "transport=acme"],
    ["PM_PAGE_SIZE", "1001"],
    ["PM_PAGE_SIZE", "0"],
    ["PM_MAX_PAGES", "0"],
    ["PM_STALE_AFTER", "soon"],
    ["PM_RETRIES", "-1"],
    ["PM_CKAN_TOKEN_HEADER", "X Bad: header"],
    ["PM_CATALOG_NAME", "My Catalog"],
  ])("refuses %s=%j, naming it", (name, value) => {
    expect(() => resolve({ [name]: value })).toThrow(ConfigError);
    expect(() => resolve({ [name]: value })).toThrow(name);
  });

  it("refuses a config without adapter or URL", () => {
    expect(() => resolveCollectorConfig(collector, { env: {} })).toThrow(
      /PM_ADAPTER[\s\S]*PM_URL|PM_URL[\s\S]*PM_ADAPTER/,
    );
  });

  it("refuses settings that do not go together", () => {
    const base = resolve({}) as DataCatalogConfig;
    expect(conflictingSettings(base)).toBeUndefined();
    expect(conflictingSettings({ ...base, catalogUser: "u" })).toMatch(
      /PM_CATALOG_USER and PM_CATALOG_PASSWORD/,
    );
    const both = { ...base, catalogUser: "u", catalogPassword: "p", catalogToken: "t" };
    expect(conflictingSettings(both)).toMatch(/PM_CKAN_TOKEN_HEADER/);
    expect(conflictingSettings({ ...both, ckanTokenHeader: "X-CKAN-API-Key" })).toBeUndefined();
    expect(conflictingSettings({ ...both, adapter: "openmetadata" })).toMatch(/Authorization header/);
  });
});
