import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { GatewayCounters } from "./counters.js";

/**
 * Counts every answer of the scope it is registered in (the API) by status, in one onResponse hook,
 * so no route has to remember to. Registered first, so refusals by authentication and limits count.
 */
export const countResponsesPlugin = fp<{ counters: GatewayCounters }>(
  async (app: FastifyInstance, { counters }) => {
    app.addHook("onResponse", (_request, reply, done) => {
      counters.answered(reply.statusCode);
      done();
    });
  },
  { name: "pm-count-responses" },
);
