import type { MeasurementDeclarations } from "@platform-metrics/sdk";

const integer = (description: string, unit?: "bytes" | "s" | "count") =>
  ({ type: "integer", description, unit }) as const;

/** The tags that name a group of datasets, one set per adapter (declared below). */
export const GROUP_TAGS = ["organization", "service", "owner"] as const;
export type GroupTag = (typeof GROUP_TAGS)[number];

const CATALOG = "PM_CATALOG_NAME, else the adapter's name (ckan, openmetadata)";
const COVERAGE =
  "complete when every page was read; partial when the page cap (PM_MAX_PAGES) or a failed page stopped the reading: the detail fields then cover only the datasets read";

export const measurements = {
  datacatalog_datasets: {
    description:
      "Datasets per group, each round: a CKAN organization, or an OpenMetadata database service and owner (tables count as datasets). The org of a point comes from PM_ORGS, else PM_ORG.",
    tags: {
      catalog: CATALOG,
      organization: "ckan: the dataset's organization (name); absent for datasets without one",
      service: "openmetadata: the table's database service (name)",
      owner:
        "openmetadata: the table's first team owner, else its first user, as team:<name> or user:<name>; absent when it has none",
      coverage: COVERAGE,
    },
    fields: {
      datasets: integer(
        "datasets in the group: CKAN's own count (the organization facet, exact even when coverage is partial); openmetadata: tables read",
        "count",
      ),
      datasets_read: integer("datasets whose details were read this round", "count"),
      private: integer("ckan: private datasets among those read", "count"),
      private_counted: {
        type: "boolean",
        description:
          "ckan: true when private datasets were visible and counted (a token CKAN recognises, include_private); false when only public datasets were",
      },
      resources: integer("ckan: resources (files, links, APIs) of the datasets read", "count"),
      bytes: integer("ckan: sum of the resources' sizes, where known", "bytes"),
      bytes_unknown: integer("ckan: resources whose size is null or not a number", "count"),
      untagged: integer(
        "datasets read with no tag (openmetadata: no classification or glossary tag)",
        "count",
      ),
      newest_age_s: integer(
        "seconds since the most recently modified dataset was modified (ckan metadata_modified, openmetadata updatedAt)",
        "s",
      ),
      oldest_age_s: integer("seconds since the least recently modified dataset was modified", "s"),
      stale: integer("datasets read that were not modified within PM_STALE_AFTER (90d)", "count"),
    },
  },
  datacatalog_formats: {
    description:
      "The catalog's formats, each round, catalog-wide (org PM_ORG): ckan resource formats (res_format), openmetadata table types.",
    tags: {
      catalog: CATALOG,
      format:
        "ckan: the resource format as written (CSV, JSON, ...; empty ones are left out); openmetadata: tableType (Regular, View, ...)",
      coverage: COVERAGE,
    },
    fields: {
      resources: integer("ckan: resources of this format among the datasets read", "count"),
      datasets: integer(
        "datasets with at least one resource of this format (ckan: the res_format facet, exact even when coverage is partial); openmetadata: tables of this type read",
        "count",
      ),
    },
  },
  pm_datacatalog: {
    description:
      "The collector's own view of each round's reading (org PM_ORG). When the catalog is down there is only this point (up false) and no datacatalog_* points.",
    tags: { catalog: CATALOG, adapter: "ckan or openmetadata" },
    fields: {
      up: { type: "boolean", description: "the catalog answered the round's first request" },
      complete: { type: "boolean", description: "every page was read" },
      total: integer("datasets the catalog says it holds (ckan count, openmetadata paging.total)", "count"),
      datasets_read: integer("datasets read this round (duplicates across pages counted once)", "count"),
      pages: integer("pages read this round", "count"),
      errors: integer("requests that failed after their retries, and pages that were not valid", "count"),
      retries: integer("requests tried again after a 429, a 5xx, a timeout or a network error", "count"),
      malformed: integer("datasets skipped because a field the collector reads was missing or odd", "count"),
      duration_ms: { type: "float", unit: "ms", description: "time the round's reading took" },
    },
  },
} as const satisfies MeasurementDeclarations;
