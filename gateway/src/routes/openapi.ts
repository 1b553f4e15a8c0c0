import { UNITS } from "@platform-metrics/sdk";
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { RATE_UNITS } from "../catalogue/catalogue.js";
import { querySchema } from "../query/schema.js";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, example?: unknown) => ({
  "application/json": example === undefined ? { schema } : { schema, example },
});

const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", description: "stable code, e.g. bad_request, not_found, rate_limited" },
        message: { type: "string", description: "what was wrong, naming the offending value" },
      },
    },
  },
};
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [String(status), { description: "error", content: json(ref("Error")) }]),
  );
const discoveryErrors = errors(400, 401, 403, 404, 429, 503, 504);

const orgParameter = {
  name: "org",
  in: "query",
  required: false,
  schema: { type: "string" },
  description: "org to read; needed when the token grants several",
};
const pathParameter = (name: string, description: string, example: string) => ({
  name,
  in: "path",
  required: true,
  schema: { type: "string" },
  description,
  example,
});
const measurementParameter = pathParameter("m", "measurement name", "storage_io");

const discoveryMeta = {
  type: "object",
  properties: {
    replica: { type: "string", description: "replica that answered" },
    truncated: { type: "boolean", description: "more names existed than the answer lists" },
  },
};
const list = (key: string, items: object, example: unknown[]) => ({
  description: "ok",
  content: json(
    {
      type: "object",
      required: [key, "meta"],
      properties: { [key]: { type: "array", items }, meta: discoveryMeta },
    },
    { [key]: example, meta: { replica: "a", truncated: false } },
  ),
});

const unitSchema = {
  type: "string",
  enum: [...UNITS],
  description: "declared unit of a field; a field without one is a plain number",
};
const fieldMetaSchema = {
  type: "object",
  properties: {
    unit: {
      type: "string",
      enum: [
        ...UNITS,
        ...Object.values(RATE_UNITS).filter((unit) => !(UNITS as readonly string[]).includes(unit)),
      ],
      description:
        "unit of the values answered: the declared unit; count for the aggregate count; for the aggregate rate the unit per second (count/s, bytes/s, s/s: seconds per second, a share of one core or worker), none for other units",
    },
    description: { type: "string" },
  },
  description: "from the collectors' declarations; empty for an undeclared field",
};
const fieldSchema = {
  type: "object",
  required: ["name", "type"],
  properties: {
    name: { type: "string" },
    type: { type: "string", enum: ["float", "integer", "unsigned", "string", "boolean"] },
    unit: unitSchema,
    description: { type: "string" },
    counter: {
      type: "boolean",
      description:
        "catalogue only: true for a total since its writer started (it resets when the writer restarts): chart its rate",
    },
  },
};
const seriesSchema = {
  type: "object",
  required: ["measurement", "tags", "columns", "values"],
  properties: {
    measurement: { type: "string" },
    tags: {
      type: "object",
      additionalProperties: { type: "string" },
      description: "the groupBy tags of this series",
    },
    columns: {
      type: "array",
      items: { type: "string" },
      description: '"time", then the fields in the order asked for',
    },
    values: {
      type: "array",
      description: "one row per point or bucket, oldest first, in the order of `columns`",
      items: {
        type: "array",
        prefixItems: [{ type: "string", format: "date-time", description: "RFC 3339, UTC" }],
        items: { type: ["number", "string", "boolean", "null"], description: "null: an empty bucket" },
      },
    },
  },
};
const queryResultSchema = {
  type: "object",
  required: ["series", "meta"],
  properties: {
    series: { type: "array", items: ref("Series") },
    meta: {
      type: "object",
      required: ["replica", "truncated", "fields"],
      properties: {
        replica: { type: "string", description: "replica that answered" },
        truncated: { type: "boolean", description: "more points existed than the limit" },
        fields: {
          type: "object",
          additionalProperties: ref("FieldMeta"),
          description:
            "unit and description of each queried field; an aggregate of count is a count, a rate is per second",
        },
        unknownFields: {
          type: "array",
          items: { type: "string" },
          description:
            "asked fields the org has no points of in the discovery window, beside fields it has (their columns are null); when every asked field is unknown, or the measurement is, the answer is 404 naming them",
        },
      },
    },
  },
};
const catalogueMeasurement = {
  type: "object",
  required: ["name", "tags", "fields"],
  properties: {
    name: { type: "string" },
    description: { type: "string" },
    tags: {
      type: "array",
      items: { type: "object", properties: { name: { type: "string" }, description: { type: "string" } } },
    },
    fields: { type: "array", items: ref("Field") },
  },
};
const catalogueSchema = {
  type: "object",
  required: ["sources", "everySource"],
  properties: {
    sources: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "measurements"],
        properties: {
          name: { type: "string", description: "the collector: the `source` tag of its points" },
          description: { type: "string" },
          interval: { type: "string", description: "default collection interval" },
          collector: {
            type: "boolean",
            description:
              "false for a service that is no collector (relay, gateway): it writes no pm_collector",
          },
          measurements: { type: "array", items: ref("CatalogueMeasurement") },
        },
      },
    },
    everySource: {
      type: "array",
      items: ref("CatalogueMeasurement"),
      description: "measurements the SDK writes for every collector (pm_collector)",
    },
  },
};

/** A query the docs show; the OpenAPI test checks it against the schema that validates requests. */
export const QUERY_EXAMPLE = {
  measurement: "storage_io",
  fields: ["lat_p99_ns", "iops"],
  aggregate: "mean",
  every: "1m",
  fill: "null",
  groupBy: ["profile", "rw"],
  where: { volume: "data" },
  range: { from: "-1h", to: "now" },
};
const QUERY_RESULT_EXAMPLE = {
  series: [
    {
      measurement: "storage_io",
      tags: { profile: "fsync", rw: "sync" },
      columns: ["time", "lat_p99_ns", "iops"],
      values: [
        ["2026-01-01T10:00:00Z", 2_506_752, 1180.5],
        ["2026-01-01T10:01:00Z", null, null],
      ],
    },
  ],
  meta: {
    replica: "a",
    truncated: false,
    fields: {
      lat_p99_ns: { unit: "ns", description: "99th percentile latency" },
      iops: { unit: "ops/s", description: "operations per second" },
    },
  },
};

/** The OpenAPI 3.1 document; the query body schema comes from the zod schema that validates it. */
export function openApiDocument(): Record<string, unknown> {
  const { $schema: _ignored, ...queryBody } = z.toJSONSchema(querySchema, {
    io: "input",
    unrepresentable: "any",
  });
  return {
    openapi: "3.1.0",
    info: { title: "Platform Metrics gateway", version: "1" },
    security: [{ bearer: [] }],
    tags: [
      { name: "query", description: "structured queries, scoped to one org" },
      { name: "discovery", description: "what the org has data of" },
      { name: "catalogue", description: "what the collectors declare: units, descriptions" },
      { name: "health", description: "liveness and readiness" },
    ],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Query: queryBody,
        QueryResult: queryResultSchema,
        Series: seriesSchema,
        Field: fieldSchema,
        FieldMeta: fieldMetaSchema,
        Catalogue: catalogueSchema,
        CatalogueMeasurement: catalogueMeasurement,
        Error: errorSchema,
      },
    },
    paths: {
      "/api/v1/query": {
        post: {
          operationId: "query",
          tags: ["query"],
          summary: "Run a structured query, scoped to one org",
          requestBody: { required: true, content: json(ref("Query"), QUERY_EXAMPLE) },
          responses: {
            "200": {
              description: "series (JSON) or one row per point (Accept: text/csv)",
              headers: {
                "x-pm-replica": { schema: { type: "string" }, description: "replica that answered" },
              },
              content: {
                ...json(ref("QueryResult"), QUERY_RESULT_EXAMPLE),
                "text/csv": {
                  schema: { type: "string" },
                  example:
                    "measurement,profile,rw,time,lat_p99_ns,iops\r\nstorage_io,fsync,sync,2026-01-01T10:00:00Z,2506752,1180.5\r\n",
                },
              },
            },
            ...errors(400, 401, 403, 404, 413, 429, 503, 504),
          },
        },
      },
      "/api/v1/orgs": {
        get: {
          operationId: "listOrgs",
          tags: ["discovery"],
          summary: "Orgs this token may read",
          responses: { "200": list("orgs", { type: "string" }, ["acme"]), ...errors(401, 429, 503) },
        },
      },
      "/api/v1/measurements": {
        get: {
          operationId: "listMeasurements",
          tags: ["discovery"],
          summary: "Measurements with points of the org",
          parameters: [orgParameter],
          responses: {
            "200": list("measurements", { type: "string" }, ["perf_process", "storage_io", "storage_probe"]),
            ...discoveryErrors,
          },
        },
      },
      "/api/v1/measurements/{m}/fields": {
        get: {
          operationId: "listFields",
          tags: ["discovery"],
          summary: "Fields of a measurement the org has points of, with declared units and descriptions",
          parameters: [measurementParameter, orgParameter],
          responses: {
            "200": list("fields", ref("Field"), [
              { name: "iops", type: "float", unit: "ops/s", description: "operations per second" },
              { name: "lat_p99_ns", type: "float", unit: "ns", description: "99th percentile latency" },
            ]),
            ...discoveryErrors,
          },
        },
      },
      "/api/v1/measurements/{m}/tags": {
        get: {
          operationId: "listTags",
          tags: ["discovery"],
          summary: "Tag keys of a measurement for the org",
          parameters: [measurementParameter, orgParameter],
          responses: {
            "200": list("tags", { type: "string" }, ["org", "profile", "rw", "volume"]),
            ...discoveryErrors,
          },
        },
      },
      "/api/v1/measurements/{m}/tags/{tag}/values": {
        get: {
          operationId: "listTagValues",
          tags: ["discovery"],
          summary: "Values of a tag for the org",
          parameters: [measurementParameter, pathParameter("tag", "tag key", "profile"), orgParameter],
          responses: { "200": list("values", { type: "string" }, ["fsync", "seq-read"]), ...discoveryErrors },
        },
      },
      "/api/v1/catalogue": {
        get: {
          operationId: "getCatalogue",
          tags: ["catalogue"],
          summary: "Measurements each collector declares, with field types, units and descriptions (no data)",
          responses: { "200": { description: "ok", content: json(ref("Catalogue")) }, ...errors(401, 429) },
        },
      },
      "/healthz": {
        get: {
          operationId: "healthz",
          tags: ["health"],
          security: [],
          summary: "Alive",
          responses: { "200": { description: "ok" } },
        },
      },
      "/readyz": {
        get: {
          operationId: "readyz",
          tags: ["health"],
          security: [],
          summary: "Ready: at least one replica answers",
          responses: { "200": { description: "ok" }, "503": { description: "no replica answers" } },
        },
      },
    },
  };
}

export const openapiRoutes: FastifyPluginAsync = async (app) => {
  const document = openApiDocument();
  app.get("/openapi.json", async () => document);
};
