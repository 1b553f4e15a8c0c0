import type { CollectContext } from "@platform-metrics/sdk";
import type { DataCatalogConfig } from "./config.js";
import { GROUP_TAGS } from "./measurements.js";
import { orgOf } from "./orgs.js";
import { type CatalogReading, readCatalog } from "./read-catalog.js";
import type { DataCatalogState } from "./state.js";
import { writeFormats } from "./write-formats.js";

type Ctx = CollectContext<DataCatalogConfig, DataCatalogState>;

/** One round: read the catalog, then write its sums per group and format, and the reading's own point. */
export async function collectRound(ctx: Ctx): Promise<void> {
  const { config, state } = ctx;
  const nowMs = Number(ctx.timestamp / 1_000_000n);
  const retriesBefore = state.connection.retries;
  const reading = await readCatalog(state.adapter, state.connection.api(ctx.signal, ctx.log), {
    maxPages: config.maxPages,
    staleBeforeMs: nowMs - config.staleAfter,
    log: ctx.log,
    signal: ctx.signal,
  });
  ctx.countErrors(reading.errors);
  const catalog = config.catalogName ?? state.adapter.name;
  writeReading(ctx, catalog, reading, state.connection.retries - retriesBefore);
  // A catalog that did not answer gets no datacatalog_* points: a gap, not zeros.
  if (!reading.up) return;
  const coverage = reading.complete ? "complete" : "partial";
  writeGroups(ctx, catalog, coverage, reading, nowMs);
  writeFormats(ctx, catalog, coverage, reading);
}

function writeGroups(ctx: Ctx, catalog: string, coverage: string, reading: CatalogReading, nowMs: number) {
  const { config } = ctx;
  const { aggregate, summary } = reading;
  const counted = new Map<string, number>();
  for (const { group, datasets } of summary?.groups ?? []) {
    aggregate.ensure(group);
    counted.set(group.key, datasets);
  }
  const ageS = (ms: number) => Math.max(0, Math.round((nowMs - ms) / 1000));
  for (const totals of aggregate.groups.values()) {
    const point = ctx
      .point("datacatalog_datasets")
      .org(orgOf(totals.group, config.orgs, config.org))
      .tag("catalog", catalog)
      .tag("coverage", coverage);
    for (const tag of GROUP_TAGS) point.tag(tag, totals.group.tags[tag]);
    point
      .integer("datasets", counted.get(totals.group.key) ?? totals.datasetsRead)
      .integer("datasets_read", totals.datasetsRead);
    if (summary?.privateCounted !== undefined) point.boolean("private_counted", summary.privateCounted);
    // Sums over no dataset read are left out of a partial round: they would read as real zeros.
    if (totals.datasetsRead === 0 && !reading.complete) continue;
    point.integer("untagged", totals.untagged).integer("stale", totals.stale);
    if (summary?.privateCounted !== undefined) point.integer("private", totals.private);
    if (ctx.state.adapter.reads.resources) {
      point
        .integer("resources", totals.resources)
        .integer("bytes", totals.bytes)
        .integer("bytes_unknown", totals.bytesUnknown);
    }
    if (totals.dated > 0) {
      point.integer("newest_age_s", ageS(totals.newestMs)).integer("oldest_age_s", ageS(totals.oldestMs));
    }
  }
}

function writeReading(ctx: Ctx, catalog: string, reading: CatalogReading, retries: number) {
  ctx
    .point("pm_datacatalog")
    .tag("catalog", catalog)
    .tag("adapter", ctx.state.adapter.name)
    .boolean("up", reading.up)
    .boolean("complete", reading.complete)
    .integer("total", reading.total)
    .integer("datasets_read", reading.aggregate.datasetsRead)
    .integer("pages", reading.pages)
    .integer("errors", reading.errors)
    .integer("retries", retries)
    .integer("malformed", reading.malformed)
    .float("duration_ms", reading.durationMs);
}
