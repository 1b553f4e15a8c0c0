import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { HttpError } from "./errors.js";

export interface LimitsOptions {
  /** Requests per token in each window. */
  rateLimit: number;
  rateWindow: number;
  /** API requests one token may have in flight. */
  maxConcurrent: number;
}

const counted = new WeakSet<FastifyRequest>();

/**
 * Per-token rate limit and concurrent-request limit, both 429 with Retry-After. They run after
 * authentication (onRequest), so the key is the token id, never the address of a shared proxy.
 */
export const limitsPlugin = fp<LimitsOptions>(
  async (app: FastifyInstance, options) => {
    await app.register(rateLimit, {
      max: options.rateLimit,
      timeWindow: options.rateWindow,
      hook: "preParsing",
      keyGenerator: (request) => request.principal?.id ?? request.ip,
      errorResponseBuilder: (_request, context) =>
        new HttpError(
          429,
          "rate_limited",
          `more than ${context.max} requests in the rate window; retry in ${context.after}`,
        ),
    });

    const inFlight = new Map<string, number>();
    const release = (request: FastifyRequest) => {
      if (!counted.delete(request)) return;
      const id = request.principal!.id;
      const left = (inFlight.get(id) ?? 1) - 1;
      if (left <= 0) inFlight.delete(id);
      else inFlight.set(id, left);
    };
    app.addHook("preParsing", async (request) => {
      const id = request.principal?.id;
      if (!id) return;
      const now = inFlight.get(id) ?? 0;
      if (now >= options.maxConcurrent) {
        throw new HttpError(
          429,
          "too_many_concurrent",
          `this token already has ${now} requests in flight; at most ${options.maxConcurrent}`,
          { "retry-after": "1" },
        );
      }
      inFlight.set(id, now + 1);
      counted.add(request);
    });
    app.addHook("onResponse", async (request) => release(request));
    app.addHook("onRequestAbort", async (request) => release(request));
  },
  { name: "pm-limits" },
);
