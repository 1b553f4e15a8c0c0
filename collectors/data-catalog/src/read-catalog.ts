import type { Logger } from "@platform-metrics/sdk";
import {
  type CatalogAdapter,
  type CatalogApi,
  CatalogFormatError,
  CatalogRequestError,
  type CatalogSummary,
} from "./adapters/adapter.js";
import { CatalogAggregate } from "./aggregate.js";

export interface ReadOptions {
  maxPages: number;
  /** A dataset modified before this (ms since the epoch) is stale. */
  staleBeforeMs: number;
  log: Logger;
  signal: AbortSignal;
}

/** What one round learned from the catalog. */
export interface CatalogReading {
  /** The catalog answered the round's first request. */
  up: boolean;
  /** Every page was read. */
  complete: boolean;
  summary?: CatalogSummary;
  aggregate: CatalogAggregate;
  /** Datasets the catalog says it holds. */
  total?: number;
  pages: number;
  /** Requests that failed after their retries, and answers that were not valid. */
  errors: number;
  malformed: number;
  durationMs: number;
}

// Malformed datasets are logged one by one up to this many per round, then only counted.
const MALFORMED_LOGGED = 5;

/**
 * One round's reading: the adapter's summary (if it has one), then its pages up to the page cap.
 * A catalog that fails the first request is down (no points but the collector's own); a failure
 * after that leaves a partial reading, which the points say.
 */
export async function readCatalog(
  adapter: CatalogAdapter,
  api: CatalogApi,
  options: ReadOptions,
): Promise<CatalogReading> {
  const began = performance.now();
  const { log } = options;
  const reading: CatalogReading = {
    up: false,
    complete: false,
    aggregate: new CatalogAggregate(options.staleBeforeMs),
    pages: 0,
    errors: 0,
    malformed: 0,
    durationMs: 0,
  };
  const done = () => {
    reading.durationMs = performance.now() - began;
    return reading;
  };
  if (adapter.summary !== undefined) {
    try {
      reading.summary = await adapter.summary(api);
    } catch (error) {
      reading.errors++;
      log.error(failure(error), `${adapter.name}: the catalog did not answer: ${(error as Error).message}`);
      return done();
    }
    reading.up = true;
    reading.total = reading.summary.total;
    reading.errors += reading.summary.errors;
  }
  try {
    for await (const page of adapter.pages(api)) {
      reading.up = true;
      reading.pages++;
      if (page.total !== undefined) reading.total = page.total;
      for (const dataset of page.datasets) reading.aggregate.add(dataset);
      for (const reason of page.malformed) {
        if (reading.malformed++ < MALFORMED_LOGGED)
          log.warn(`${adapter.name}: skipped a malformed ${reason}`);
      }
      if (page.last) {
        reading.complete = true;
        break;
      }
      if (options.signal.aborted) break;
      if (reading.pages >= options.maxPages) {
        log.warn(
          { pages: reading.pages, read: reading.aggregate.datasetsRead, total: reading.total },
          `${adapter.name}: stopped at PM_MAX_PAGES (${options.maxPages}) pages; this round's points are partial`,
        );
        break;
      }
    }
  } catch (error) {
    reading.errors++;
    const message = (error as Error).message;
    if (reading.up) {
      log.error(
        { ...failure(error), pages: reading.pages },
        `${adapter.name}: page ${reading.pages + 1} failed, this round's points are partial: ${message}`,
      );
    } else {
      log.error(failure(error), `${adapter.name}: the catalog did not answer: ${message}`);
    }
  }
  if (reading.malformed > MALFORMED_LOGGED) {
    log.warn(`${adapter.name}: ${reading.malformed} malformed datasets skipped this round`);
  }
  return done();
}

/** Log fields of a failure: a request's status, or the stack of what is not a request failure (a bug). */
function failure(error: unknown): Record<string, unknown> {
  if (error instanceof CatalogRequestError) return { status: error.status };
  if (error instanceof CatalogFormatError) return {};
  return { err: error };
}
