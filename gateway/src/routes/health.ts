import type { FastifyPluginAsync } from "fastify";
import type { Replicas } from "../influx/replicas.js";

export const healthRoutes: FastifyPluginAsync<{ replicas: Replicas }> = async (app, { replicas }) => {
  app.get("/healthz", async () => ({ status: "ok" }));

  // Ready while at least one replica answers its ping. Anyone may ask, so the answer names nothing
  // inside: which replica fails is in the gateway's log (and in replicas.status()).
  app.get("/readyz", async (_request, reply) => {
    const ready = replicas.status().some((replica) => replica.healthy);
    reply.code(ready ? 200 : 503);
    return { status: ready ? "ok" : "unavailable" };
  });
};
