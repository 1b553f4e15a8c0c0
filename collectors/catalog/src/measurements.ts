import type { MeasurementDeclarations } from "@platform-metrics/sdk";

const integer = (description: string) => ({ type: "integer", description }) as const;
const PARTIAL =
  "true when the read stopped early (page cap, or an error after some pages): the counts are a lower bound; absent when complete";

export const measurements = {
  catalog_entities: {
    description:
      "Entities of a software catalog (backstage) per org, kind, type and lifecycle, each round. The org comes from the entity's owner or namespace (PM_ORGS), else PM_ORG.",
    tags: {
      kind: "the entity's kind, e.g. Component, API, Group",
      type: "spec.type, e.g. service, website (absent when unset; _other past PM_MAX_SERIES)",
      lifecycle: "spec.lifecycle, e.g. production, experimental (absent when unset)",
      partial: PARTIAL,
    },
    fields: { count: integer("entities") },
  },
  catalog_quality: {
    description: "Gaps in a software catalog (backstage) per org, each round.",
    tags: { partial: PARTIAL },
    fields: {
      entities: integer("entities counted"),
      no_owner: integer(
        "entities of a kind that has an owner (Component, API, Resource, System, Domain, Template) without spec.owner",
      ),
      no_description: integer("entities without metadata.description"),
      orphaned: integer("entities annotated backstage.io/orphan=true (their location no longer lists them)"),
      components: integer("entities of kind Component"),
      components_without_system: integer("components without spec.system"),
    },
  },
  catalog_services: {
    description:
      "What a service broker (osb) offers, per broker, each round. Its org is PM_ORGS' broker:<name> entry, else PM_ORG.",
    tags: { broker: "PM_BROKER, else the URL's host name", partial: PARTIAL },
    fields: {
      services: integer("service offerings"),
      plans: integer("service plans"),
      free_plans: integer("plans with free true (the default)"),
      paid_plans: integer("plans with free false"),
      bindable_services: integer("offerings with bindable true"),
      bindable_plans: integer("plans that are bindable (their own bindable, else their offering's)"),
    },
  },
  pm_catalog: {
    description:
      "The collector's own view of each round's read (org PM_ORG). A catalog that did not answer writes up=false here and nothing else.",
    tags: { adapter: "backstage or osb" },
    fields: {
      up: { type: "boolean", description: "the catalog answered (at least one page was read)" },
      complete: { type: "boolean", description: "every page was read" },
      pages: integer("pages (documents) read"),
      items: integer("entities or service offerings counted"),
      expected_items: integer("entities the catalog says it holds (backstage: /entity-facets), when it says"),
      malformed: integer("records skipped because they were not what the API documents"),
      retries: integer("requests tried again (429, 5xx, network errors, timeouts)"),
      not_modified: { type: "boolean", description: "the catalog answered 304 Not Modified (osb)" },
    },
  },
} as const satisfies MeasurementDeclarations;
