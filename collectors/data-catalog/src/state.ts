import type { BaseContext } from "@platform-metrics/sdk";
import type { CatalogAdapter } from "./adapters/adapter.js";
import { ADAPTERS } from "./adapters/index.js";
import { CatalogConnection } from "./catalog-api.js";
import type { DataCatalogConfig } from "./config.js";

export interface DataCatalogState {
  adapter: CatalogAdapter;
  connection: CatalogConnection;
}

/** Settings that are each valid but do not go together; the message names them. */
export function conflictingSettings(config: DataCatalogConfig): string | undefined {
  const basic = config.catalogUser !== undefined || config.catalogPassword !== undefined;
  if (basic && (config.catalogUser === undefined || config.catalogPassword === undefined)) {
    return "PM_CATALOG_USER and PM_CATALOG_PASSWORD go together: set both for basic auth, or neither";
  }
  if (basic && config.catalogToken !== undefined) {
    const tokenHeader = config.adapter === "ckan" ? config.ckanTokenHeader.toLowerCase() : "authorization";
    if (tokenHeader === "authorization") {
      return `PM_CATALOG_TOKEN and basic auth (PM_CATALOG_USER) both need the Authorization header${
        config.adapter === "ckan"
          ? "; give CKAN's token another header with PM_CKAN_TOKEN_HEADER (CKAN's apitoken_header_name)"
          : ""
      }`;
    }
  }
  return undefined;
}

export function setupCatalog(ctx: BaseContext<DataCatalogConfig>): DataCatalogState {
  const problem = conflictingSettings(ctx.config);
  if (problem !== undefined) throw new Error(`invalid configuration: ${problem}`);
  const adapter = ADAPTERS[ctx.config.adapter];
  return { adapter, connection: new CatalogConnection(adapter, ctx.config, ctx.log) };
}

export function teardownCatalog(ctx: { state: DataCatalogState | undefined }): void {
  ctx.state?.connection.close();
}
