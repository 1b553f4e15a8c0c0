import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { querySchema } from "../query/schema.js";

const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: { code: { type: "string" }, message: { type: "string" } },
    },
  },
};
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      String(status),
      {
        description: "error",
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      },
    ]),
  );
const orgParameter = {
  name: "org",
  in: "query",
  required: false,
  schema: { type: "string" },
  description: "org to read; needed when the token grants several",
};
const pathParameter = (name: string) => ({ name, in: "path", required: true, schema: { type: "string" } });
const meta = {
  type: "object",
  properties: { replica: { type: "string" }, truncated: { type: "boolean" } },
};
const list = (key: string, items: object) => ({
  description: "ok",
  content: {
    "application/json": {
      schema: { type: "object", properties: { [key]: { type: "array", items }, meta } },
    },
  },
});
const discoveryErrors = errors(400, 401, 403, 404, 429, 503, 504);

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
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { Query: queryBody, Error: errorSchema },
    },
    paths: {
      "/api/v1/query": {
        post: {
          summary: "Run a structured query, scoped to one org",
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: "#/components/schemas/Query" } } },
          },
          responses: {
            "200": {
              description: "series (JSON) or one row per point (Accept: text/csv)",
              headers: {
                "x-pm-replica": { schema: { type: "string" }, description: "replica that answered" },
              },
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: {
                      series: {
                        type: "array",
                        items: {
                          type: "object",
                          properties: {
                            measurement: { type: "string" },
                            tags: { type: "object", additionalProperties: { type: "string" } },
                            columns: { type: "array", items: { type: "string" } },
                            values: { type: "array", items: { type: "array" } },
                          },
                        },
                      },
                      meta,
                    },
                  },
                },
                "text/csv": { schema: { type: "string" } },
              },
            },
            ...errors(400, 401, 403, 413, 429, 503, 504),
          },
        },
      },
      "/api/v1/orgs": {
        get: { summary: "Orgs this token may read", responses: { "200": list("orgs", { type: "string" }) } },
      },
      "/api/v1/measurements": {
        get: {
          summary: "Measurements with points of the org",
          parameters: [orgParameter],
          responses: { "200": list("measurements", { type: "string" }), ...discoveryErrors },
        },
      },
      "/api/v1/measurements/{m}/fields": {
        get: {
          summary: "Fields of a measurement the org has points of",
          parameters: [pathParameter("m"), orgParameter],
          responses: {
            "200": list("fields", {
              type: "object",
              properties: { name: { type: "string" }, type: { type: "string" } },
            }),
            ...discoveryErrors,
          },
        },
      },
      "/api/v1/measurements/{m}/tags": {
        get: {
          summary: "Tag keys of a measurement for the org",
          parameters: [pathParameter("m"), orgParameter],
          responses: { "200": list("tags", { type: "string" }), ...discoveryErrors },
        },
      },
      "/api/v1/measurements/{m}/tags/{tag}/values": {
        get: {
          summary: "Values of a tag for the org",
          parameters: [pathParameter("m"), pathParameter("tag"), orgParameter],
          responses: { "200": list("values", { type: "string" }), ...discoveryErrors },
        },
      },
      "/healthz": { get: { security: [], summary: "Alive", responses: { "200": { description: "ok" } } } },
      "/readyz": {
        get: {
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
