import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import fc from "fast-check";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, type Fixture, GLOBEX_MARKERS, startFixture, tokens } from "./helpers/fixture.js";

let fixture: Fixture;
let app: FastifyInstance;

beforeAll(async () => {
  fixture = await startFixture();
  // Pinged only at start: the replicas' health is then what the requests alone make of it (a ping
  // timing out on a busy machine would otherwise turn /readyz to 503 whatever the requests do).
  app = await fixture.gateway({ PM_GATEWAY_PROBE_INTERVAL: "1h" });
});
afterAll(() => fixture?.close());

const get = (url: string, token = tokens.acme) => app.inject({ method: "GET", url, headers: bearer(token) });
const query = (body: unknown, token = tokens.acme) =>
  app.inject({ method: "POST", url: "/api/v1/query", headers: bearer(token), payload: body as object });

/** Nothing of globex's in the answer, beyond what the request itself said. */
function expectNoGlobex(response: LightMyRequestResponse, request = "") {
  for (const marker of GLOBEX_MARKERS) {
    if (!request.includes(marker)) expect(response.body, `answer leaks ${marker}`).not.toContain(marker);
  }
}

describe("an acme token, through every route", () => {
  it("lists only acme's orgs and measurements", async () => {
    expect((await get("/api/v1/orgs")).json().orgs).toEqual(["acme"]);
    const measurements = await get("/api/v1/measurements");
    expect(measurements.statusCode).toBe(200);
    expect(measurements.json().measurements).toEqual(["acme_disk", "acme_status", "cpu"]);
  });

  it("sees only acme's fields, tags and tag values of a shared measurement", async () => {
    const fields = await get("/api/v1/measurements/cpu/fields");
    expect(fields.json().fields).toEqual([
      { name: "idle", type: "float" },
      { name: "usage", type: "float" },
    ]);
    expect((await get("/api/v1/measurements/cpu/tags")).json().tags).toEqual(["host", "org"]);
    expect((await get("/api/v1/measurements/cpu/tags/host/values")).json().values).toEqual(["a-1", "a-2"]);
    expect((await get("/api/v1/measurements/cpu/tags/org/values")).json().values).toEqual(["acme"]);
    for (const response of [fields]) expectNoGlobex(response);
  });

  it("gets the same 404 for globex's measurement and tag as for ones that do not exist", async () => {
    for (const route of ["fields", "tags", "tags/host/values"]) {
      const globex = await get(`/api/v1/measurements/g_secret_only/${route}`);
      const missing = await get(`/api/v1/measurements/no_such_thing_x/${route}`);
      expect(globex.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      expect(globex.body.replace("g_secret_only", "X")).toBe(missing.body.replace("no_such_thing_x", "X"));
    }
    const tag = await get("/api/v1/measurements/cpu/tags/g_secret_tag/values");
    const noTag = await get("/api/v1/measurements/cpu/tags/no_such_tag_xx/values");
    expect(tag.statusCode).toBe(404);
    expect(tag.body.replace("g_secret_tag", "X")).toBe(noTag.body.replace("no_such_tag_xx", "X"));
  });

  it("queries only acme's points, whatever the where, groupBy and fields ask for", async () => {
    const all = await query({
      measurement: "cpu",
      fields: ["usage", "g_secret_field"],
      groupBy: ["host", "org", "g_secret_tag"],
      range: { from: "-1h" },
    });
    expect(all.statusCode).toBe(200);
    const body = all.json();
    expect(body.series.map((s: { tags: { host: string } }) => s.tags.host).sort()).toEqual(["a-1", "a-2"]);
    for (const series of body.series) expect(series.tags.org).toBe("acme");
    expect(body.series[0].values).toHaveLength(30);
    expectNoGlobex(all, "g_secret_field g_secret_tag");

    const other = await query({
      measurement: "cpu",
      fields: ["usage"],
      where: { host: "g_secret_host" },
      range: { from: "-1h" },
    });
    expect(other.json().series).toEqual([]);
    // A rate too: acme's idle grows 1 a minute and its usage only falls (no rate); globex's usage, a
    // constant 31337.5 in the same measurement, would give rates of 0 if its points were read.
    const rate = await query({
      measurement: "cpu",
      fields: ["idle", "usage"],
      aggregate: "rate",
      every: "1m",
      range: { from: "-1h" },
    });
    expect(rate.statusCode, rate.body).toBe(200);
    const rows = rate.json().series[0].values as [string, number | null, number | null][];
    expect(rows).toHaveLength(29);
    for (const [, idle, usage] of rows) {
      expect(idle).toBeCloseTo(1 / 60, 10);
      expect(usage).toBeNull();
    }
    expectNoGlobex(rate);
    // Another org's measurement is a 404, word for word that of a measurement that does not exist.
    const ofMeasurement = (measurement: string) =>
      query({ measurement, fields: ["v"], aggregate: "max", range: { from: "-1h" } });
    const aggregated = await ofMeasurement("g_secret_only");
    const nowhere = await ofMeasurement("no_such_thing_x");
    expect(aggregated.statusCode).toBe(404);
    expect(aggregated.body.replace("g_secret_only", "X")).toBe(nowhere.body.replace("no_such_thing_x", "X"));
    expectNoGlobex(aggregated, "g_secret_only");
  });

  it.each(["max", "rate"])(
    "gets the same answer for another org's field as for a field that does not exist (%s)",
    async (aggregate) => {
      // globex's g_secret_state is a string: InfluxDB refuses max() of it (and so rate), for any org.
      const ask = (fields: string[]) =>
        query({ measurement: "cpu", fields, aggregate, every: "10m", range: { from: "-1h" } });
      // Alone, each is a 404 naming it; beside a field of acme's, each is listed in meta.unknownFields.
      for (const [theirs, missing, status] of [
        [["g_secret_state"], ["no_such_field1"], 404],
        [["usage", "g_secret_state"], ["usage", "no_such_field1"], 200],
      ] as const) {
        const other = await ask([...theirs]);
        const none = await ask([...missing]);
        expect(other.statusCode).toBe(status);
        expect(other.body.replaceAll("g_secret_state", "X")).toBe(
          none.body.replaceAll("no_such_field1", "X"),
        );
      }
      // A string field of acme's own still gets the refusal that helps it.
      const own = await query({
        measurement: "acme_status",
        fields: ["state"],
        aggregate,
        every: "10m",
        range: { from: "-1h" },
      });
      expect(own.statusCode).toBe(400);
      expect(own.json().error).toEqual({
        code: "bad_query",
        message: `aggregate ${aggregate} needs numeric fields: "state" is string`,
      });
    },
  );

  it("answers a typo in a measurement or field with a 404 naming it, and lists one beside known fields", async () => {
    const typo = await query({ measurement: "cpu", fields: ["usgae"], range: { from: "-1h" } });
    expect(typo.statusCode).toBe(404);
    expect(typo.json().error).toEqual({
      code: "not_found",
      message: 'measurement "cpu" has no field "usgae" for org acme',
    });
    const beside = await query({ measurement: "cpu", fields: ["usage", "usgae"], range: { from: "-1h" } });
    expect(beside.statusCode).toBe(200);
    expect(beside.json().meta.unknownFields).toEqual(["usgae"]);
    const noMeasurement = await query({ measurement: "cpuu", fields: ["usage"], range: { from: "-1h" } });
    expect(noMeasurement.statusCode).toBe(404);
    expect(noMeasurement.json().error.message).toBe('measurement "cpuu" has no data for org acme');
    // A known field with no points in the range is no error: an empty answer.
    const quiet = await query({ measurement: "cpu", fields: ["usage"], range: { from: "-1h", to: "-50m" } });
    expect(quiet.statusCode).toBe(200);
  });

  it("is refused another org: 403 for globex, 400 for a malformed org", async () => {
    const asked = await query({
      measurement: "cpu",
      fields: ["usage"],
      range: { from: "-1h" },
      org: "globex",
    });
    expect(asked.statusCode).toBe(403);
    expect(asked.json().error.code).toBe("forbidden");
    expect((await get("/api/v1/measurements?org=globex")).statusCode).toBe(403);
    expect((await get("/api/v1/measurements/cpu/fields?org=globex")).statusCode).toBe(403);
    expect((await get("/api/v1/measurements?org=Globex'")).statusCode).toBe(400);
    expect((await get("/api/v1/measurements?org=acme&org=globex")).statusCode).toBe(400);
  });

  it("needs org when the token grants several, and checks it", async () => {
    const body = { measurement: "cpu", fields: ["usage"], range: { from: "-1h" } };
    expect((await query(body, tokens.multi)).json().error.message).toMatch(/org is required/);
    expect((await query({ ...body, org: "acme" }, tokens.multi)).statusCode).toBe(200);
    expect((await query({ ...body, org: "globex" }, tokens.multi)).statusCode).toBe(403);
  });

  it("while a platform admin token does read globex (the data is there)", async () => {
    const admin = await query(
      { measurement: "cpu", fields: ["usage"], range: { from: "-1h" }, org: "globex" },
      tokens.admin,
    );
    expect(admin.statusCode).toBe(200);
    expect(admin.body).toContain("31337.5");
    expect((await get("/api/v1/orgs", tokens.admin)).json().orgs).toEqual(["acme", "globex"]);
  });
});

// Property-based: hostile text in every field gives a 4xx, or a 200 that holds only acme's data.
const nasty = [
  "'",
  '"',
  "\\",
  "\\'",
  '\\"',
  "' OR '1'='1",
  '" OR "org" = \'globex',
  "'; DROP DATABASE pm_test; --",
  "globex",
  "g_secret_only",
  "g_secret_field",
  "g_secret_tag",
  "g_secret_value",
  "org",
  "cpu",
  "usage",
  "host",
  "a-1",
  "*",
  "/.*/",
  "time",
  "-1h",
  "now",
  "1m",
  "",
  " ",
  "é\u{1F600}",
  "\ud800",
  "a\udfffb",
  "\u0000",
  "\n",
  "a".repeat(300),
];
const text = fc.oneof(
  fc.constantFrom(...nasty),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 8 }),
  // Any UTF-16 code units: lone surrogates included.
  fc.string({ unit: "binary", maxLength: 8 }),
);
/** Mostly names that exist (so many queries reach InfluxDB), sometimes anything at all. */
const usually = <T>(valid: readonly T[]) =>
  fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 9 }, { arbitrary: text, weight: 1 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const names = [
  "cpu",
  "usage",
  "idle",
  "host",
  "org",
  "acme_disk",
  "used",
  "g_secret_only",
  "g_secret_field",
  "g_secret_tag",
];

const body = fc.record(
  {
    measurement: usually(["cpu", "acme_disk", "g_secret_only"]),
    fields: fc.array(usually(names), { minLength: 1, maxLength: 3 }),
    groupBy: maybe(fc.array(usually(names), { maxLength: 3 })),
    where: maybe(
      fc.dictionary(
        usually(names),
        fc.oneof(
          usually(["a-1", "g_secret_host"]),
          fc.array(usually(["a-1", "a-2", "g_secret_host"]), { minLength: 1, maxLength: 3 }),
        ),
        {
          maxKeys: 3,
        },
      ),
    ),
    range: fc.record(
      { from: usually(["-1h", "-10m", "-2h", "now-1d"]), to: maybe(usually(["now", "-1m"])) },
      { requiredKeys: ["from"] },
    ),
    limit: maybe(
      fc.oneof({ arbitrary: fc.integer({ min: 1, max: 100 }), weight: 9 }, fc.integer(), fc.double()),
    ),
    org: maybe(usually(["acme", "globex", "ACME"])),
  },
  { requiredKeys: ["measurement", "fields", "range"] },
);
// aggregate, every and fill depend on each other: mostly coherent, sometimes not.
const aggregation = fc.oneof(
  fc.constant({}),
  fc.record({ aggregate: usually(["mean", "max", "p99", "count", "last", "spread", "rate"]) }),
  fc.record({
    aggregate: usually(["mean", "max", "p99", "count", "last", "spread", "rate"]),
    every: usually(["1m", "5m", "10s", "0s", "1y"]),
    fill: maybe(fc.oneof(usually(["none", "null", "linear", "previous"]), fc.double())),
  }),
  fc.record(
    { aggregate: maybe(text), every: maybe(text), fill: maybe(fc.oneof(text, fc.double())) },
    { requiredKeys: [] },
  ),
);
const queryBody = fc.tuple(body, aggregation).map(([base, extra]) => ({ ...base, ...extra }));

function checkAnswer(response: LightMyRequestResponse, request: string) {
  expect(
    response.statusCode === 200 || (response.statusCode >= 400 && response.statusCode < 500),
    response.body,
  ).toBe(true);
  expect(response.json()).toBeTypeOf("object");
  if (response.statusCode !== 200) expect(response.json().error.code).toBeTypeOf("string");
  // A requested name comes back as a column name (with no values), so only text the request did
  // not carry counts as a leak; globex's values (31337.5) are never in a request.
  expectNoGlobex(response, request);
}

/** encodeURIComponent, but a lone surrogate is sent as its 3 bytes (invalid UTF-8) instead of throwing. */
function encodeAny(text: string): string {
  return text
    .split(/([\ud800-\udfff])/u)
    .map((part, i) => {
      if (i % 2 === 0) return encodeURIComponent(part);
      const unit = part.charCodeAt(0);
      return [0xed, 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join("");
    })
    .join("");
}

/** Nothing a caller sends makes a replica look down: /readyz stays 200 and every replica healthy. */
async function expectReplicasUntouched() {
  expect((await app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
  expect(app.replicaStatus().every((replica) => replica.healthy)).toBe(true);
}

describe("hostile input (fast-check)", () => {
  it("POST /api/v1/query answers 4xx or acme-only data for any body", async () => {
    await fc.assert(
      fc.asyncProperty(queryBody, async (payload) => {
        const response = await query(payload);
        checkAnswer(response, JSON.stringify(payload));
        if (response.statusCode === 200) {
          for (const series of response.json().series) {
            if ("org" in series.tags) expect(series.tags.org).toBe("acme");
          }
        }
        await expectReplicasUntouched();
      }),
      { numRuns: 200 },
    );
  });

  it("the discovery routes answer 4xx or acme-only lists for any name and org", async () => {
    const route = fc.record({
      measurement: usually(names),
      tag: usually(names),
      org: maybe(usually(["acme", "globex"])),
      which: fc.constantFrom("measurements", "fields", "tags", "values"),
    });
    await fc.assert(
      fc.asyncProperty(route, async ({ measurement, tag, org, which }) => {
        const m = encodeAny(measurement);
        const path = {
          measurements: "/api/v1/measurements",
          fields: `/api/v1/measurements/${m}/fields`,
          tags: `/api/v1/measurements/${m}/tags`,
          values: `/api/v1/measurements/${m}/tags/${encodeAny(tag)}/values`,
        }[which];
        const url = org === undefined ? path : `${path}?org=${encodeAny(org)}`;
        const response = await get(url);
        checkAnswer(response, `${measurement} ${tag} ${org}`);
        await expectReplicasUntouched();
      }),
      { numRuns: 200 },
    );
  });
});

describe("API surface", () => {
  it("answers CSV when asked, one row per point with the group-by tags", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/api/v1/query",
      headers: { ...bearer(tokens.acme), accept: "text/csv" },
      payload: {
        measurement: "cpu",
        fields: ["usage", "idle"],
        groupBy: ["host"],
        limit: 2,
        range: { from: "-1h" },
      },
    });
    expect(response.headers["content-type"]).toMatch(/^text\/csv/);
    const lines = response.body.trim().split("\r\n");
    expect(lines[0]).toBe("measurement,host,time,usage,idle");
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/^cpu,a-1,\d{4}-\d\d-\d\dT[\d:]+Z,29\.5,71$/);
  });

  it("serves /openapi.json with the query schema generated from zod", async () => {
    const document = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
    expect(document.openapi).toBe("3.1.0");
    const query = document.components.schemas.Query;
    expect(query.required).toEqual(expect.arrayContaining(["measurement", "fields", "range"]));
    expect(query.properties.aggregate.enum).toEqual(expect.arrayContaining(["p99", "rate"]));
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(["/api/v1/query", "/api/v1/measurements/{m}/tags/{tag}/values"]),
    );
  });

  it("sends security headers, JSON 404s and health answers", async () => {
    const page = await app.inject({ method: "GET", url: "/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    const missing = await app.inject({ method: "GET", url: "/api/v2/anything" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe("not_found");
    expect((await app.inject({ method: "GET", url: "/healthz" })).json()).toEqual({ status: "ok" });
    expect((await app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
    const api = await get("/api/v1/orgs");
    expect(api.headers["cache-control"]).toBe("no-store");
  });

  it("answers every 4xx in its error format, a bad URL and malformed HTTP too", async () => {
    const badUrl = await get("/api/v1/measurements/%ff/tags");
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.json()).toEqual({
      error: { code: "bad_request", message: "the URL is not valid: expected percent-encoded UTF-8" },
    });

    const server = await fixture.gateway();
    await server.listen({ port: 0, host: "127.0.0.1" });
    const { port } = server.server.address() as AddressInfo;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () =>
        socket.end("GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"),
      );
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk;
      });
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
    });
    const [head, body] = raw.split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toContain("Content-Type: application/json; charset=utf-8");
    expect(JSON.parse(body!)).toEqual({
      error: { code: "bad_request", message: "the request is not valid HTTP/1.1" },
    });
  });

  it("never reaches InfluxDB with a query InfluxDB cannot run, and says so without its internals", async () => {
    const response = await query({
      measurement: "acme_status",
      fields: ["state"],
      aggregate: "mean",
      range: { from: "-1h" },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe("bad_query");
    expect(response.body).not.toMatch(/iterator|influx.*\.go/i);
  });
});
