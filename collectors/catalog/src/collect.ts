import type { CollectContext } from "@platform-metrics/sdk";
import type { AdapterOutcome, AdapterRound } from "./adapters/adapter.js";
import type { CatalogConfig } from "./config.js";
import type { CatalogState } from "./state.js";
import { Tally } from "./tally.js";

type Ctx = CollectContext<CatalogConfig, CatalogState>;

/**
 * One round: the adapter reads the catalog and the tally counts what it reads, so memory holds one
 * page at a time. Then the counts are written, marked partial unless every page was read; a catalog
 * that answered nothing writes only pm_catalog (up=false) and counts an error, never zeros.
 */
export async function collectRound(ctx: Ctx): Promise<void> {
  const { state, config, log } = ctx;
  const tally = new Tally(state.orgs, config.maxSeries);
  const retriesBefore = state.retries;
  const malformedSeen = new Set<string>();
  let pages = 0;
  let malformed = 0;
  const round: AdapterRound = {
    http: state.http,
    config,
    signal: ctx.signal,
    log,
    entities: (batch) => tally.addEntities(batch),
    services: (broker, offerings) => tally.addServices(broker, offerings),
    page: () => {
      pages++;
    },
    malformed: (reason) => {
      malformed++;
      if (malformedSeen.has(reason)) return;
      malformedSeen.add(reason);
      log.warn(
        { reason },
        `skipped ${reason} (logged once per round and reason; counted in pm_catalog.malformed)`,
      );
    },
  };

  let outcome: AdapterOutcome | undefined;
  try {
    outcome = await state.adapter.read(round);
  } catch (error) {
    const message = (error as Error).message;
    if (!ctx.signal.aborted) ctx.countErrors(1);
    if (pages === 0)
      log.error({ err: message }, "the catalog could not be read; nothing written but pm_catalog");
    else
      log.error(
        { err: message, pages },
        "the catalog read failed part way; what was read is written as partial",
      );
  }
  const complete = outcome?.complete === true;
  if (outcome !== undefined && !complete)
    log.warn({ pages }, `partial read: ${outcome.incompleteReason ?? "stopped early"}`);
  const expected = outcome?.expectedItems;
  if (complete && expected !== undefined && expected !== tally.items + malformed) {
    log.warn(
      { counted: tally.items, malformed, expected },
      "the paging saw a different number of entities than /entity-facets counts (the catalog changed meanwhile, or paging skipped some)",
    );
  }

  const partial = complete ? undefined : "true";
  for (const count of tally.entities.values()) {
    ctx
      .point("catalog_entities")
      .org(count.org)
      .tag("kind", count.kind)
      .tag("type", count.type)
      .tag("lifecycle", count.lifecycle)
      .tag("partial", partial)
      .integer("count", count.count);
  }
  for (const [org, quality] of tally.quality) {
    ctx
      .point("catalog_quality")
      .org(org)
      .tag("partial", partial)
      .integer("entities", quality.entities)
      .integer("no_owner", quality.noOwner)
      .integer("no_description", quality.noDescription)
      .integer("orphaned", quality.orphaned)
      .integer("components", quality.components)
      .integer("components_without_system", quality.componentsWithoutSystem);
  }
  for (const count of tally.services.values()) {
    ctx
      .point("catalog_services")
      .org(count.org)
      .tag("broker", count.broker)
      .tag("partial", partial)
      .integer("services", count.services)
      .integer("plans", count.plans)
      .integer("free_plans", count.freePlans)
      .integer("paid_plans", count.paidPlans)
      .integer("bindable_services", count.bindableServices)
      .integer("bindable_plans", count.bindablePlans);
  }
  ctx
    .point("pm_catalog")
    .tag("adapter", config.adapter)
    .boolean("up", pages > 0)
    .boolean("complete", complete)
    .integer("pages", pages)
    .integer("items", tally.items)
    .integer("expected_items", expected)
    .integer("malformed", malformed)
    .integer("retries", state.retries - retriesBefore)
    .boolean("not_modified", outcome?.notModified);
}
