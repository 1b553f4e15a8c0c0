import { z } from "@platform-metrics/sdk";
import type { AdapterDefinition, ServiceOffering } from "./adapter.js";
import { isObject, shape } from "./json-shape.js";

/**
 * Open Service Broker API v2.17: `GET /v2/catalog` with `X-Broker-API-Version: 2.17` and HTTP basic
 * authentication; the broker's ETag is sent back as If-None-Match, and a 304 Not Modified counts
 * the catalog seen last (ETags came with v2.16). The spec has no endpoint that lists instances, so
 * only offerings and plans are counted.
 */
export const OSB_API_VERSION = "2.17";

export const osb: AdapterDefinition = {
  description: `Open Service Broker API v${OSB_API_VERSION} (GET /v2/catalog of one broker)`,
  headers: { "X-Broker-API-Version": OSB_API_VERSION },
  options: {
    broker: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "expected letters, digits, ., - or _")
      .optional()
      .describe("osb: the broker tag of its points (default the URL's host name)"),
  },
  create() {
    return {
      async read(round) {
        const broker = (round.config.broker as string | undefined) ?? new URL(round.config.url).hostname;
        const response = await round.http.getJson<unknown>("/v2/catalog", {
          signal: round.signal,
          etag: true,
        });
        round.page();
        const { body, url } = response;
        if (!isObject(body) || !Array.isArray(body.services)) {
          throw new Error(`GET ${url}: expected { services: [...] } (the OSB catalog), got ${shape(body)}`);
        }
        const offerings: ServiceOffering[] = [];
        for (const service of body.services) {
          const offering = toOffering(service);
          if (typeof offering === "string") round.malformed(offering);
          else offerings.push(offering);
        }
        round.services(broker, offerings);
        return { complete: true, notModified: response.notModified };
      },
    };
  },
};

/** The counted parts of a Service Offering object, or why it is not one. */
function toOffering(service: unknown): ServiceOffering | string {
  if (!isObject(service) || typeof service.id !== "string" || typeof service.name !== "string") {
    return "a service offering without id or name";
  }
  if (typeof service.bindable !== "boolean") return "a service offering whose bindable is not a boolean";
  if (!Array.isArray(service.plans)) return "a service offering without plans";
  const plans: ServiceOffering["plans"] = [];
  for (const plan of service.plans) {
    if (!isObject(plan) || typeof plan.id !== "string") return "a service offering with a plan without id";
    if (plan.free !== undefined && typeof plan.free !== "boolean")
      return "a plan whose free is not a boolean";
    if (plan.bindable !== undefined && typeof plan.bindable !== "boolean") {
      return "a plan whose bindable is not a boolean";
    }
    // Spec defaults: free is true; a plan's bindable falls back to its offering's.
    plans.push({
      free: plan.free !== false,
      bindable: (plan.bindable as boolean | undefined) ?? service.bindable,
    });
  }
  return { bindable: service.bindable, plans };
}
