import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UNITS } from "@platform-metrics/sdk";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Catalogue } from "../src/catalogue/catalogue.js";
import { querySchema } from "../src/query/schema.js";
import { historyLines, writeToReplicas } from "./helpers/collector-points.js";
import { bearer, type Fixture, startFixture, tokens } from "./helpers/fixture.js";

let fixture: Fixture;
let app: FastifyInstance;

beforeAll(async () => {
  fixture = await startFixture();
  await writeToReplicas(fixture, historyLines(10));
  app = await fixture.gateway();
});
afterAll(() => fixture?.close());

const get = (url: string) => app.inject({ method: "GET", url, headers: bearer(tokens.acme) });
const query = (body: object) =>
  app.inject({ method: "POST", url: "/api/v1/query", headers: bearer(tokens.acme), payload: body });

describe("units and descriptions from the collectors' declarations", () => {
  it("lists each source's measurements, fields, units and descriptions", async () => {
    const response = await get("/api/v1/catalogue");
    expect(response.statusCode).toBe(200);
    const { sources, everySource } = response.json();
    expect(sources.map((source: { name: string }) => source.name)).toEqual(
      expect.arrayContaining(["perf", "storage-probe"]),
    );
    const storage = sources.find((source: { name: string }) => source.name === "storage-probe");
    const io = storage.measurements.find((m: { name: string }) => m.name === "storage_io");
    expect(io.fields).toContainEqual({
      name: "lat_p99_ns",
      type: "float",
      unit: "ns",
      description: "99th percentile latency",
    });
    expect(everySource.map((m: { name: string }) => m.name)).toEqual(["pm_collector"]);
    // Counters (totals since the writer started) say so, and the relay is no collector.
    expect(everySource[0].fields).toContainEqual(expect.objectContaining({ name: "rounds", counter: true }));
    const relay = sources.find((source: { name: string }) => source.name === "relay");
    expect(relay.collector).toBe(false);
    expect(storage.collector).toBe(true);
    expect(relay.measurements[0].fields).toContainEqual(
      expect.objectContaining({ name: "points_written", counter: true }),
    );
    expect(
      relay.measurements[0].fields.find((f: { name: string }) => f.name === "seconds_behind").counter,
    ).toBe(undefined);
    expect((await app.inject({ method: "GET", url: "/api/v1/catalogue" })).statusCode).toBe(401);
  });

  it("adds unit and description to the fields discovery lists, and nothing to undeclared ones", async () => {
    const fields = (await get("/api/v1/measurements/perf_process/fields")).json().fields;
    expect(fields).toContainEqual({
      name: "rss_bytes",
      type: "integer",
      unit: "bytes",
      description: "resident memory (live processes)",
    });
    expect((await get("/api/v1/measurements/cpu/fields")).json().fields).toContainEqual({
      name: "usage",
      type: "float",
    });
  });

  it("states each queried field's unit in the answer's meta; count is a count", async () => {
    const body = { measurement: "storage_io", fields: ["lat_p99_ns", "iops"], range: { from: "-15m" } };
    const raw = await query(body);
    expect(raw.statusCode).toBe(200);
    expect(raw.json().meta.fields).toEqual({
      lat_p99_ns: { unit: "ns", description: "99th percentile latency" },
      iops: { unit: "ops/s", description: "operations per second" },
    });
    const counted = await query({ ...body, aggregate: "count" });
    expect(counted.json().meta.fields.lat_p99_ns.unit).toBe("count");
    // A rate is per second: a count's in count/s, bytes' in bytes/s, seconds' in s/s (a share).
    const rates = await query({
      measurement: "perf_process",
      fields: ["voluntary_context_switches", "read_bytes", "cpu_user_seconds", "cpu_percent"],
      aggregate: "rate",
      every: "1m",
      range: { from: "-15m" },
    });
    expect(rates.statusCode, rates.body).toBe(200);
    const units = Object.values(rates.json().meta.fields).map((meta) => (meta as { unit?: string }).unit);
    expect(units).toEqual(["count/s", "bytes/s", "s/s", undefined]);
    const undeclared = await query({ measurement: "cpu", fields: ["usage"], range: { from: "-1h" } });
    expect(undeclared.json().meta.fields).toEqual({ usage: {} });
  });

  it("refuses a catalogue file with a unit outside the closed list, naming it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pm-cat-"));
    try {
      const path = join(dir, "measurements.json");
      const field = { name: "x", type: "float", unit: "furlongs" };
      await writeFile(
        path,
        JSON.stringify({ sources: [], everySource: [{ name: "a_b", tags: [], fields: [field] }] }),
      );
      expect(() => Catalogue.load(path)).toThrow(/measurements.json: everySource.0.fields.0.unit: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the OpenAPI document", () => {
  it("names, tags and exemplifies every operation, with the shape of values and the unit list", async () => {
    const document = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
    const operations = Object.values(document.paths).flatMap((path) => Object.values(path as object));
    const ids = operations.map((operation) => operation.operationId);
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const operation of operations) expect(operation.tags).toHaveLength(1);
    const declared = document.tags.map((tag: { name: string }) => tag.name);
    for (const operation of operations) expect(declared).toContain(operation.tags[0]);

    // The example request is one the gateway accepts.
    const example = document.paths["/api/v1/query"].post.requestBody.content["application/json"].example;
    expect(querySchema.safeParse(example).success).toBe(true);
    expect((await query(example)).statusCode).toBe(200);
    const values = document.components.schemas.Series.properties.values;
    expect(values.items.prefixItems[0].format).toBe("date-time");
    expect(document.components.schemas.FieldMeta.properties.unit.enum).toEqual([...UNITS, "count/s", "s/s"]);
  });
});
