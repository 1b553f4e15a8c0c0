import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, resolveCollectorConfig } from "@platform-metrics/sdk";
import { afterAll, describe, expect, it } from "vitest";
import collector from "../src/collector.js";

const dir = mkdtempSync(join(tmpdir(), "pm-k8s-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const resolve = (env: Record<string, string>) => resolveCollectorConfig(collector, { env });

describe("configuration", () => {
  it("has defaults that need nothing set", () => {
    const config = resolve({});
    expect(config).toMatchObject({
      orgLabel: "platform-metrics.io/org",
      customResources: [],
      reconcilePendingAfter: 60_000,
      pageSize: 500,
      interval: 30_000,
    });
  });

  it("reads custom resources as plural.group/version from the environment", () => {
    const config = resolve({
      PM_CUSTOM_RESOURCES: "widgets.example.com/v1, dbs.postgres.example.org/v1beta2",
    });
    expect(config.customResources).toEqual([
      { plural: "widgets", group: "example.com", version: "v1" },
      { plural: "dbs", group: "postgres.example.org", version: "v1beta2" },
    ]);
  });

  it("reads custom resources as objects, with a kind, from the PM_CONFIG file", () => {
    const file = join(dir, "config.yaml");
    writeFileSync(
      file,
      "customResources:\n  - { group: example.com, version: v1, plural: widgets, kind: Widget }\nreconcilePendingAfter: 2m\n",
    );
    const config = resolve({ PM_CONFIG: file });
    expect(config.customResources).toEqual([
      { group: "example.com", version: "v1", plural: "widgets", kind: "Widget" },
    ]);
    expect(config.reconcilePendingAfter).toBe(120_000);
  });

  it.each([
    ["PM_CUSTOM_RESOURCES", "widgets/v1"],
    ["PM_CUSTOM_RESOURCES", "Widgets.example.com/v1"],
    ["PM_CUSTOM_RESOURCES", "widgets.example.com/1"],
    ["PM_ORG_LABEL", "not a label"],
    ["PM_PAGE_SIZE", "0"],
    ["PM_RECONCILE_PENDING_AFTER", "soon"],
  ])("refuses %s=%j, naming it", (name, value) => {
    expect(() => resolve({ [name]: value })).toThrow(ConfigError);
    expect(() => resolve({ [name]: value })).toThrow(name);
  });
});
