import type { FastifyPluginAsync } from "fastify";
import type { Replicas } from "../influx/replicas.js";

export const healthRoutes: FastifyPluginAsync<{ replicas: Replicas }> = async (app, { replicas }) => {
  app.get("/healthz", async () => ({ status: "ok" }));

  // Ready while at least one replica answers its ping; the names show which are failing.
  app.get("/readyz", async (_request, reply) => {
    const status = replicas.status();
    const ready = status.some((replica) => replica.healthy);
    reply.code(ready ? 200 : 503);
    return {
      status: ready ? "ok" : "unavailable",
      replicas: status.map(({ name, healthy }) => ({ name, healthy })),
    };
  });
};
