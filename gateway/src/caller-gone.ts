import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

declare module "fastify" {
  interface FastifyRequest {
    /** Aborted when the caller hangs up before its answer is sent: the InfluxDB query it waits on stops. */
    callerGone: AbortSignal;
  }
}

/**
 * Why not fastify's `request.signal`: it follows the request stream's `close`, which Node emits as soon
 * as a body has been read, so a POST would abort its own query (or never, depending on when the signal is
 * first read). The response's `close` before it has finished is the caller hanging up, and only that.
 */
export const callerGonePlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest("callerGone", undefined as unknown as AbortSignal);
    app.addHook("onRequest", (request, reply, done) => {
      const controller = new AbortController();
      reply.raw.once("close", () => {
        if (!reply.raw.writableFinished) controller.abort(new Error("the caller hung up"));
      });
      request.callerGone = controller.signal;
      done();
    });
  },
  { name: "pm-caller-gone" },
);
