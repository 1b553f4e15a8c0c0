import { readFileSync } from "node:fs";
import type { ComponentStatusConfig, TargetConfig } from "./config.js";
import { SCRAPE_ACCEPT } from "./scrape/format.js";
import type { Target } from "./target.js";

/** The PM_CONFIG targets, resolved; a CA file that cannot be read stops the start with its path. */
export function staticTargets(config: ComponentStatusConfig): Target[] {
  return config.targets.map((t: TargetConfig) => {
    const url = new URL(t.url);
    let ca: string | undefined;
    if (t.ca !== undefined) {
      try {
        ca = readFileSync(t.ca, "utf8");
      } catch (error) {
        throw new Error(
          `target ${t.name ?? t.url}: cannot read its ca file ${t.ca}: ${(error as Error).message}`,
        );
      }
    }
    return {
      name: t.name ?? `${url.origin}${url.pathname}`,
      kind: "static",
      url: t.url,
      org: t.org,
      timeoutMs: t.timeout ?? config.timeout,
      expectStatus: t.expectStatus,
      versionPath: t.versionPath,
      headers: withAccept(t.headers, t.accept ?? (t.scrape ? SCRAPE_ACCEPT : undefined)),
      scrape: t.scrape,
      ca,
      rejectUnauthorized: !t.insecureSkipVerify,
    } satisfies Target;
  });
}

/** Headers with an Accept, unless the configured headers name one (in any case). */
export function withAccept(
  headers: Record<string, string>,
  accept: string | undefined,
): Record<string, string> {
  if (accept === undefined || Object.keys(headers).some((key) => key.toLowerCase() === "accept"))
    return headers;
  return { ...headers, accept };
}
