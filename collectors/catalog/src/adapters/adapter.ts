import type { Logger, z } from "@platform-metrics/sdk";
import type { HttpClient } from "@platform-metrics/sdk/http";

/**
 * An entity of a software catalog, reduced to what the measurements count. Adapters map their
 * catalog's records to these; the collector's core counts them per org.
 */
export interface CatalogEntity {
  kind: string;
  type?: string;
  lifecycle?: string;
  /** The owner as the catalog writes it (an entity ref, maybe without kind or namespace). */
  owner?: string;
  /** The entity's namespace, if the catalog has namespaces. */
  namespace?: string;
  hasDescription: boolean;
  orphaned: boolean;
  /** For components: whether they belong to a system. */
  inSystem?: boolean;
}

/** A service offering of a service broker, with its plans. */
export interface ServiceOffering {
  bindable: boolean;
  plans: { free: boolean; bindable: boolean }[];
}

/** What an adapter gets for one round. */
export interface AdapterRound {
  http: HttpClient;
  /** The collector's whole config, the adapter's own options (see `options`) included. */
  config: Record<string, unknown> & { url: string; pageSize: number; maxPages: number };
  signal: AbortSignal;
  log: Logger;
  /** Counts entities read. */
  entities(batch: readonly CatalogEntity[]): void;
  /** Counts the offerings of one broker. */
  services(broker: string, offerings: readonly ServiceOffering[]): void;
  /** Counts one page (or document) read. */
  page(): void;
  /** A record that was not what the API documents: skipped, counted, logged once per reason. */
  malformed(reason: string): void;
}

/** How a read ended, when it did not throw. */
export interface AdapterOutcome {
  /** False when the read stopped early (the page cap): the points are marked partial. */
  complete: boolean;
  /** Why it is not complete, for the log. */
  incompleteReason?: string;
  /** Items the catalog says it holds (a cheap count), to check the paging against. */
  expectedItems?: number;
  /** The catalog answered 304 Not Modified: the counts are those of the body cached with its ETag. */
  notModified?: boolean;
}

export interface CatalogAdapter {
  /** Reads the whole catalog (or up to the page cap); throws when it cannot. */
  read(round: AdapterRound): Promise<AdapterOutcome>;
}

/**
 * One kind of catalog: a file under adapters/ and a line in adapters/index.ts. Its options join
 * the collector's config (read from PM_<KEY> like the others).
 */
export interface AdapterDefinition {
  description: string;
  /** Headers every request carries (e.g. an API version). */
  headers?: Record<string, string>;
  /** The adapter's own config keys, each with a default. */
  options: z.ZodRawShape;
  /** Made once at start; may keep state between rounds (e.g. which endpoint works). */
  create(): CatalogAdapter;
}
