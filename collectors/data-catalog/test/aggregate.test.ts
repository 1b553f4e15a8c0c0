import { describe, expect, it } from "vitest";
import type { DatasetRecord, Group } from "../src/adapters/adapter.js";
import { ckanTimestampMs } from "../src/adapters/ckan.js";
import { CatalogAggregate, MAX_FORMATS, OTHER_FORMAT } from "../src/aggregate.js";
import { orgOf } from "../src/orgs.js";

const group: Group = { key: "a", tags: { organization: "a" }, orgKeys: ["a"] };
const dataset = (id: string, extra: Partial<DatasetRecord> = {}): DatasetRecord => ({
  id,
  group,
  modifiedMs: 1000,
  tagged: true,
  ...extra,
});

describe("aggregation", () => {
  it("sums resources, sizes (unknown ones counted apart) and formats per dataset", () => {
    const sums = new CatalogAggregate(0);
    sums.add(
      dataset("1", {
        resources: [
          { format: "CSV", size: 10 },
          { format: "CSV", size: undefined },
          { format: "", size: 5 },
        ],
      }),
    );
    const totals = sums.groups.get("a")!;
    expect(totals).toMatchObject({ resources: 3, bytes: 15, bytesUnknown: 1, datasetsRead: 1 });
    expect(sums.formats.get("CSV")).toEqual({ resources: 2, datasets: 1 });
    expect(sums.formats.has("")).toBe(false);
  });

  it("counts an id once per round", () => {
    const sums = new CatalogAggregate(0);
    sums.add(dataset("1"));
    sums.add(dataset("1"));
    expect(sums.datasetsRead).toBe(1);
    expect(sums.duplicates).toBe(1);
    expect(sums.groups.get("a")?.datasetsRead).toBe(1);
  });

  it("keeps the newest and oldest modification, and counts stale ones; undated ones are neither", () => {
    const sums = new CatalogAggregate(500);
    sums.add(dataset("1", { modifiedMs: 100 }));
    sums.add(dataset("2", { modifiedMs: 900 }));
    sums.add(dataset("3", { modifiedMs: undefined }));
    expect(sums.groups.get("a")).toMatchObject({ newestMs: 900, oldestMs: 100, stale: 1, dated: 2 });
  });

  it("folds formats past the cap into other, so a free-text format cannot explode the series", () => {
    const sums = new CatalogAggregate(0);
    for (let i = 0; i < MAX_FORMATS + 50; i++) {
      sums.add(dataset(String(i), { resources: [{ format: `fmt-${i}`, size: 1 }] }));
    }
    expect(sums.formats.size).toBe(MAX_FORMATS + 1);
    expect(sums.formats.get(OTHER_FORMAT)).toEqual({ resources: 50, datasets: 50 });
  });

  it("reads CKAN's zoneless timestamps as UTC and refuses garbage", () => {
    expect(ckanTimestampMs("2024-05-01T10:20:30.123456")).toBe(Date.UTC(2024, 4, 1, 10, 20, 30, 123));
    expect(ckanTimestampMs("2024-05-01T10:20:30+02:00")).toBe(Date.UTC(2024, 4, 1, 8, 20, 30));
    expect(ckanTimestampMs("yesterday")).toBeUndefined();
    expect(ckanTimestampMs(undefined)).toBeUndefined();
  });

  it("gives a group the org of its first mapped key, else the default; never an inherited property", () => {
    const orgs = { "team:data": "acme", "service:pg": "bravo" };
    const owned: Group = { key: "x", tags: {}, orgKeys: ["team:data", "service:pg"] };
    const byService: Group = { key: "y", tags: {}, orgKeys: ["team:other", "service:pg"] };
    const neither: Group = { key: "z", tags: {}, orgKeys: ["constructor", "toString"] };
    expect(orgOf(owned, orgs, "platform")).toBe("acme");
    expect(orgOf(byService, orgs, "platform")).toBe("bravo");
    expect(orgOf(neither, orgs, "platform")).toBe("platform");
  });
});
