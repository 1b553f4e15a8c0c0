import type { Logger } from "@platform-metrics/sdk";
import type { GroupTag } from "../measurements.js";

/**
 * What an adapter is: how one catalog's API is read. It knows paths, parameters and response
 * shapes; the core (read-catalog.ts) owns paging limits, retries, partial results and points.
 */
export interface CatalogAdapter {
  readonly name: string;
  /** Whether its datasets have resources (files) with sizes and formats. */
  readonly reads: { resources: boolean };
  /** How the configured API token is sent: one header. */
  tokenHeader(token: string, options: { ckanTokenHeader: string }): { name: string; value: string };
  /** Cheap catalog-wide counts before the paging, when the API has them (CKAN's facets). */
  summary?(api: CatalogApi): Promise<CatalogSummary>;
  /** The catalog's datasets, page by page; the core stops early at its page cap. */
  pages(api: CatalogApi): AsyncIterable<CatalogPage>;
}

/** What an adapter gets to reach its catalog. */
export interface CatalogApi {
  /** GET `path` (below the catalog's URL) with `query`, parsed JSON; throws a CatalogRequestError. */
  getJson(path: string, query?: Query): Promise<unknown>;
  /** The API token, when one is configured (the core also sends it where the adapter says). */
  readonly hasToken: boolean;
  readonly pageSize: number;
  readonly log: Logger;
}

export type Query = Record<string, string | number | boolean | undefined>;

/** A group of datasets the points are written per (a CKAN organization; a service and owner). */
export interface Group {
  /** Unique per group within a catalog. */
  key: string;
  /** The point's tags for this group (GROUP_TAGS, declared in measurements.ts). */
  tags: Readonly<Partial<Record<GroupTag, string>>>;
  /** Keys looked up in PM_ORGS, in order; the first one found gives the org. */
  orgKeys: readonly string[];
}

/** One dataset, reduced to what the measurements need (the raw JSON is dropped with its page). */
export interface DatasetRecord {
  id: string;
  group: Group;
  private?: boolean;
  /** Each resource's format ("" when it has none) and size (undefined when unknown). */
  resources?: readonly { format: string; size: number | undefined }[];
  /** Formats counted per dataset when there are no resources (an OpenMetadata table's type). */
  formats?: readonly string[];
  /** Last modification, ms since the epoch; undefined when the catalog did not say. */
  modifiedMs: number | undefined;
  tagged: boolean;
}

export interface CatalogPage {
  datasets: DatasetRecord[];
  /** Why each skipped dataset was skipped. */
  malformed: string[];
  /** Datasets the catalog says it holds, when the page says. */
  total?: number;
  /** No page follows this one. */
  last: boolean;
}

export interface CatalogSummary {
  total: number;
  /** Datasets per group by the catalog's own count, including groups with none. */
  groups: { group: Group; datasets: number }[];
  /** Datasets with at least one resource of each format, by the catalog's own count. */
  formatDatasets?: Map<string, number>;
  /** Private datasets are visible and counted (undefined: the catalog has no such notion). */
  privateCounted?: boolean;
  /** Requests of the summary that failed without making it useless (logged already). */
  errors: number;
}

/** A request the catalog refused or did not answer, after the client's retries. */
export class CatalogRequestError extends Error {
  override name = "CatalogRequestError";
  constructor(
    message: string,
    /** HTTP status, when there was a response. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A response whose shape is not the documented one. */
export class CatalogFormatError extends Error {
  override name = "CatalogFormatError";
}
