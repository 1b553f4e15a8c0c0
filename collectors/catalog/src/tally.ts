import type { CatalogEntity, ServiceOffering } from "./adapters/adapter.js";
import type { OrgMap } from "./orgs.js";

/** Kinds whose entities should name an owner (Backstage's own kinds with spec.owner). */
const OWNED_KINDS = new Set(["component", "api", "resource", "system", "domain", "template"]);
const OTHER = "_other";
const MAX_TAG_CHARS = 100;

interface EntityCount {
  org: string;
  kind: string;
  type: string | undefined;
  lifecycle: string | undefined;
  count: number;
}

interface Quality {
  entities: number;
  noOwner: number;
  noDescription: number;
  orphaned: number;
  components: number;
  componentsWithoutSystem: number;
}

interface ServiceCount {
  org: string;
  broker: string;
  services: number;
  plans: number;
  freePlans: number;
  paidPlans: number;
  bindableServices: number;
  bindablePlans: number;
}

/** What one round counted, per org: small however large the catalog (a few numbers per series). */
export class Tally {
  readonly entities = new Map<string, EntityCount>();
  readonly quality = new Map<string, Quality>();
  readonly services = new Map<string, ServiceCount>();
  /** Entities and offerings counted. */
  items = 0;

  constructor(
    private readonly orgs: OrgMap,
    private readonly maxSeries: number,
  ) {}

  addEntities(batch: readonly CatalogEntity[]): void {
    for (const entity of batch) this.addEntity(entity);
  }

  addServices(broker: string, offerings: readonly ServiceOffering[]): void {
    const org = this.orgs.ofBroker(broker);
    const key = `${org}\u0000${broker}`;
    let count = this.services.get(key);
    if (count === undefined) {
      count = {
        org,
        broker,
        services: 0,
        plans: 0,
        freePlans: 0,
        paidPlans: 0,
        bindableServices: 0,
        bindablePlans: 0,
      };
      this.services.set(key, count);
    }
    for (const offering of offerings) {
      this.items++;
      count.services++;
      if (offering.bindable) count.bindableServices++;
      for (const plan of offering.plans) {
        count.plans++;
        if (plan.free) count.freePlans++;
        else count.paidPlans++;
        if (plan.bindable) count.bindablePlans++;
      }
    }
  }

  private addEntity(entity: CatalogEntity): void {
    this.items++;
    const org = this.orgs.ofEntity(entity.owner, entity.namespace);
    const kind = tagValue(entity.kind) ?? OTHER;
    let type = tagValue(entity.type);
    const lifecycle = tagValue(entity.lifecycle);
    let key = `${org}\u0000${kind}\u0000${type ?? ""}\u0000${lifecycle ?? ""}`;
    let count = this.entities.get(key);
    if (count === undefined && this.entities.size >= this.maxSeries) {
      // A catalog with free-text types could make a series per entity: past the cap they share one.
      type = OTHER;
      key = `${org}\u0000${kind}\u0000${type}\u0000${lifecycle ?? ""}`;
      count = this.entities.get(key);
    }
    if (count === undefined) {
      count = { org, kind, type, lifecycle, count: 0 };
      this.entities.set(key, count);
    }
    count.count++;

    let quality = this.quality.get(org);
    if (quality === undefined) {
      quality = {
        entities: 0,
        noOwner: 0,
        noDescription: 0,
        orphaned: 0,
        components: 0,
        componentsWithoutSystem: 0,
      };
      this.quality.set(org, quality);
    }
    const lowerKind = entity.kind.toLowerCase();
    quality.entities++;
    if (OWNED_KINDS.has(lowerKind) && (entity.owner === undefined || entity.owner.trim() === ""))
      quality.noOwner++;
    if (!entity.hasDescription) quality.noDescription++;
    if (entity.orphaned) quality.orphaned++;
    if (lowerKind === "component") {
      quality.components++;
      if (entity.inSystem !== true) quality.componentsWithoutSystem++;
    }
  }
}

/** A catalog's free text as a tag value: one line, at most 100 characters; undefined when empty. */
function tagValue(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return line === "" ? undefined : line.slice(0, MAX_TAG_CHARS);
}
