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

interface TokenUse {
  windowEndMs: number;
  requests: number;
  inFlight: number;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The token whose in-flight count this request holds, until it ends. */
    pmHolds?: TokenUse;
    /** Whether the handler has started: from then on only its answer gives the slot back. */
    pmHandling?: boolean;
  }
}

// Above this many tokens seen, the ones idle past their window are dropped (OIDC subjects come and go).
const SWEEP_ABOVE = 10_000;

/**
 * Per-token rate limit (fixed window) and concurrent-request limit, both 429 with Retry-After. They
 * run after authentication, in the same onRequest phase, so the key is the token id (never the
 * address of a shared proxy) and a refused request's body is never read. Plain synchronous
 * bookkeeping in one map: this runs on every API request.
 */
export const limitsPlugin = fp<LimitsOptions>(
  async (app: FastifyInstance, options) => {
    const uses = new Map<string, TokenUse>();
    const sweep = (nowMs: number) => {
      for (const [id, use] of uses) if (use.inFlight === 0 && use.windowEndMs <= nowMs) uses.delete(id);
    };
    const release = (request: FastifyRequest) => {
      const use = request.pmHolds;
      if (!use) return;
      request.pmHolds = undefined;
      use.inFlight--;
    };

    app.decorateRequest("pmHolds", undefined);
    app.addHook("onRequest", (request, _reply, done) => {
      const id = request.principal!.id;
      const nowMs = Date.now();
      let use = uses.get(id);
      if (!use) {
        if (uses.size >= SWEEP_ABOVE) sweep(nowMs);
        use = { windowEndMs: nowMs + options.rateWindow, requests: 0, inFlight: 0 };
        uses.set(id, use);
      } else if (use.windowEndMs <= nowMs) {
        use.windowEndMs = nowMs + options.rateWindow;
        use.requests = 0;
      }
      if (++use.requests > options.rateLimit) {
        const seconds = Math.max(1, Math.ceil((use.windowEndMs - nowMs) / 1000));
        done(
          new HttpError(
            429,
            "rate_limited",
            `more than ${options.rateLimit} requests in the rate window; retry in ${seconds} s`,
            { "retry-after": String(seconds) },
          ),
        );
        return;
      }
      if (use.inFlight >= options.maxConcurrent) {
        done(
          new HttpError(
            429,
            "too_many_concurrent",
            `this token already has ${use.inFlight} requests in flight; at most ${options.maxConcurrent}`,
            { "retry-after": "1" },
          ),
        );
        return;
      }
      use.inFlight++;
      request.pmHolds = use;
      done();
    });
    // The slot is given back once the answer is ready (onSend runs for results and errors alike, even
    // when the caller has hung up in the meantime, which onResponse would then never see), or when
    // the caller hangs up before the handler has started (its body never arrived). A caller that hangs
    // up later keeps the slot until the handler ends: its InfluxDB query is aborted (request.signal),
    // and until that is done the query still runs and still counts.
    app.decorateRequest("pmHandling", false);
    app.addHook("preHandler", (request, _reply, done) => {
      request.pmHandling = true;
      done();
    });
    app.addHook("onSend", (request, _reply, payload, done) => {
      release(request);
      done(null, payload);
    });
    app.addHook("onRequestAbort", (request, done) => {
      if (!request.pmHandling) release(request);
      done();
    });
  },
  { name: "pm-limits" },
);
