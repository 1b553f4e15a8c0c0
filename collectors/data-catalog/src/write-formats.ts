import type { CollectContext } from "@platform-metrics/sdk";
import type { DataCatalogConfig } from "./config.js";
import type { CatalogReading } from "./read-catalog.js";
import type { DataCatalogState } from "./state.js";

/**
 * datacatalog_formats: resources per format from the datasets read, and datasets per format from
 * the catalog's own count where it has one (CKAN's res_format facet), else from the datasets read.
 */
export function writeFormats(
  ctx: CollectContext<DataCatalogConfig, DataCatalogState>,
  catalog: string,
  coverage: string,
  reading: CatalogReading,
): void {
  const { aggregate, summary } = reading;
  const counted = new Map<string, number>();
  for (const [format, datasets] of summary?.formatDatasets ?? []) {
    const key = aggregate.formatKey(format);
    counted.set(key, (counted.get(key) ?? 0) + datasets);
  }
  const formats = new Set([...aggregate.formats.keys(), ...counted.keys()]);
  const readsResources = ctx.state.adapter.reads.resources;
  for (const format of formats) {
    const read = aggregate.formats.get(format);
    const point = ctx
      .point("datacatalog_formats")
      .tag("catalog", catalog)
      .tag("format", format)
      .tag("coverage", coverage)
      .integer("datasets", counted.get(format) ?? read?.datasets ?? 0);
    if (readsResources && (read !== undefined || reading.complete))
      point.integer("resources", read?.resources ?? 0);
  }
}
