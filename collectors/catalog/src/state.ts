import type { BaseContext } from "@platform-metrics/sdk";
import { createHttpClient, type HttpClient, type HttpCredential } from "@platform-metrics/sdk/http";
import type { CatalogAdapter } from "./adapters/adapter.js";
import { ADAPTERS } from "./adapters/index.js";
import type { CatalogConfig } from "./config.js";
import { OrgMap } from "./orgs.js";

export interface CatalogState {
  http: HttpClient;
  adapter: CatalogAdapter;
  orgs: OrgMap;
  /** Requests tried again since start; each round writes its own share. */
  retries: number;
}

export function setupCatalog(ctx: BaseContext<CatalogConfig>): CatalogState {
  const { config, log } = ctx;
  const definition = ADAPTERS[config.adapter];
  const state: CatalogState = {
    adapter: definition.create(),
    orgs: new OrgMap(config.orgs, config.org),
    retries: 0,
    http: createHttpClient({
      baseUrl: config.url,
      credential: credential(config),
      headers: definition.headers,
      timeoutMs: config.requestTimeout,
      // Room for every attempt and the waits between them; the round's own timeout still applies.
      deadlineMs: config.requestTimeout * (config.retries + 1) + 60_000,
      retries: config.retries,
      onRetry: (retry) => {
        state.retries++;
        log.warn(retry, `retrying in ${Math.round(retry.delayMs)} ms: ${retry.reason}`);
      },
    }),
  };
  log.info(
    { adapter: config.adapter, url: config.url, credential: credential(config)?.type ?? "none" },
    `reading ${definition.description}`,
  );
  return state;
}

export function teardownCatalog(ctx: { state: CatalogState | undefined }): void {
  ctx.state?.http.close();
}

/** Basic when a password is set (osb), else bearer when a token is (backstage). */
function credential(config: CatalogConfig): HttpCredential | undefined {
  if (config.catalogPassword !== undefined) {
    if (config.catalogUser === undefined) {
      throw new Error(
        "PM_CATALOG_PASSWORD is set but PM_CATALOG_USER is not: basic authentication needs both",
      );
    }
    return { type: "basic", username: config.catalogUser, password: config.catalogPassword };
  }
  if (config.catalogToken !== undefined) return { type: "bearer", token: config.catalogToken };
  return undefined;
}
