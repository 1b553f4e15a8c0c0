import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync } from "fastify";

// Static files live in src/dashboard (no build step); from dist/ they are found beside src/.
function dashboardRoot(): string {
  const candidates = ["../dashboard/", "../../src/dashboard/"].map((path) =>
    fileURLToPath(new URL(path, import.meta.url)),
  );
  const found = candidates.find((path) => existsSync(`${path}index.html`));
  if (!found) throw new Error(`dashboard files not found in ${candidates.join(" or ")}`);
  return found;
}

export interface DashboardRouteOptions {
  /** PM_GATEWAY_NOTICE: shown at the top of the page to everyone, signed in or not. */
  notice?: string;
}

export const dashboardRoutes: FastifyPluginAsync<DashboardRouteOptions> = async (app, options) => {
  const notice = { notice: options.notice ?? null };
  app.get("/notice.json", async () => notice);
  await app.register(fastifyStatic, { root: dashboardRoot(), prefix: "/", index: "index.html" });
  const uplotDist = dirname(createRequire(import.meta.url).resolve("uplot/dist/uPlot.iife.min.js"));
  await app.register(fastifyStatic, {
    root: uplotDist,
    prefix: "/vendor/uplot/",
    decorateReply: false,
    allowedPath: (path) => path === "/uPlot.iife.min.js" || path === "/uPlot.min.css",
  });
};
