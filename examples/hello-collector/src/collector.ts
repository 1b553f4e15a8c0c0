import { DEFAULT_HTTP_PORTS, defineCollector, duration, z } from "@platform-metrics/sdk";
import { httpGet } from "./http-get.js";

/**
 * The smallest complete collector: times an HTTP GET of each target and reports whether it answered 2xx.
 * Copy this file to start your own.
 */
export default defineCollector({
  name: "hello",
  description: "HTTP latency and status of a few URLs",
  interval: "30s",
  // PM_HTTP_PORT's default: each service has its own (docs/ports.md), so they can share a machine.
  httpPort: DEFAULT_HTTP_PORTS.hello,
  config: z.object({
    targets: z.array(z.url()).min(1).describe("URLs to probe, comma-separated"),
    requestTimeout: duration({ min: "10ms" })
      .default(5000)
      .describe("time limit of one request (default 5s)"),
  }),
  measurements: {
    hello_latency: {
      description: "One HTTP GET per target and round.",
      tags: { target: "the URL probed" },
      fields: {
        ms: { type: "float", unit: "ms", description: "time to the response headers" },
        ok: { type: "boolean", description: "the answer was 2xx" },
        status: { type: "integer", description: "HTTP status; absent when no answer came" },
      },
    },
  },
  async collect(ctx) {
    await Promise.all(
      ctx.config.targets.map(async (target) => {
        const point = ctx.point("hello_latency").tag("target", target);
        const started = performance.now();
        try {
          const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.config.requestTimeout)]);
          const status = await httpGet(target, signal);
          point.integer("status", status).boolean("ok", status >= 200 && status < 300);
        } catch (error) {
          ctx.log.debug({ target, err: (error as Error).message }, "no answer");
          point.boolean("ok", false);
        }
        point.float("ms", performance.now() - started);
      }),
    );
  },
});
