import type { FastifyPluginAsync } from "fastify";
import type { Catalogue } from "../catalogue/catalogue.js";

/**
 * The collectors' declared measurements (no data of any org): which measurements each source writes,
 * with tags, field types, units and descriptions. The dashboard builds its overview pages from it.
 */
export const catalogueRoutes: FastifyPluginAsync<{ catalogue: Catalogue }> = async (app, { catalogue }) => {
  const body = { sources: catalogue.data.sources, everySource: catalogue.data.everySource };
  app.get("/api/v1/catalogue", async () => body);
};
