import type { Logger } from "@platform-metrics/sdk";
import { createHttpClient, type HttpClient, HttpError } from "@platform-metrics/sdk/http";
import { type CatalogAdapter, type CatalogApi, CatalogRequestError } from "./adapters/adapter.js";
import type { DataCatalogConfig } from "./config.js";

/** The HTTP side of the collector: one client for the process, a CatalogApi per round. */
export class CatalogConnection {
  /** Retries the client made (429, 5xx, network errors), since start. */
  retries = 0;
  private readonly client: HttpClient;

  constructor(
    adapter: CatalogAdapter,
    private readonly config: DataCatalogConfig,
    log: Logger,
  ) {
    const headers: Record<string, string> = {};
    if (config.catalogToken !== undefined) {
      const header = adapter.tokenHeader(config.catalogToken, config);
      headers[header.name] = header.value;
    }
    this.client = createHttpClient({
      baseUrl: config.url,
      headers,
      // A CKAN token travels in a header of its own: the client hides it from errors as a credential.
      secrets: config.catalogToken === undefined ? [] : [config.catalogToken],
      credential:
        config.catalogUser !== undefined && config.catalogPassword !== undefined
          ? { type: "basic", username: config.catalogUser, password: config.catalogPassword }
          : undefined,
      timeoutMs: config.requestTimeout,
      // Every attempt, and the waits between them (a Retry-After up to a minute), fit in one call.
      deadlineMs: config.requestTimeout * (config.retries + 1) + 60_000 * config.retries + 1000,
      retries: config.retries,
      onRetry: (retry) => {
        this.retries++;
        log.warn(
          { url: retry.url, attempt: retry.attempt, delayMs: Math.round(retry.delayMs) },
          `catalog request failed (${retry.reason}); retrying${retry.retryAfter ? " after the server's Retry-After" : ""}`,
        );
      },
    });
  }

  /** What an adapter uses during one round: requests end when the round's signal fires. */
  api(signal: AbortSignal, log: Logger): CatalogApi {
    return {
      getJson: async (path, query) => {
        try {
          return (await this.client.getJson(path, { query, signal })).body;
        } catch (error) {
          if (!(error instanceof HttpError)) throw error;
          throw new CatalogRequestError(error.message + authHint(error.status), error.status);
        }
      },
      hasToken: this.config.catalogToken !== undefined,
      pageSize: this.config.pageSize,
      log,
    };
  }

  close(): void {
    this.client.close();
  }
}

function authHint(status: number | undefined): string {
  if (status === 401)
    return " (the catalog wants credentials: check PM_CATALOG_TOKEN, or PM_CATALOG_USER and PM_CATALOG_PASSWORD)";
  if (status === 403) return " (the credentials lack the right to read this, or the catalog wants a login)";
  return "";
}
