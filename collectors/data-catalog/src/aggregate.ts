import type { DatasetRecord, Group } from "./adapters/adapter.js";

/** Free-text formats (CKAN's are typed by hand) must not make a tag of unbounded cardinality. */
export const MAX_FORMATS = 200;
export const OTHER_FORMAT = "other";
const MAX_FORMAT_LENGTH = 64;

export class GroupTotals {
  datasetsRead = 0;
  private = 0;
  resources = 0;
  bytes = 0;
  bytesUnknown = 0;
  untagged = 0;
  stale = 0;
  /** Datasets with a modification time; the ages below cover only those. */
  dated = 0;
  newestMs = Number.NEGATIVE_INFINITY;
  oldestMs = Number.POSITIVE_INFINITY;

  constructor(readonly group: Group) {}
}

export interface FormatTotals {
  resources: number;
  datasets: number;
}

/**
 * Sums datasets as they are read, per group and per format, so that a page's datasets can be
 * dropped as soon as they are counted: memory grows with groups and formats, not datasets.
 */
export class CatalogAggregate {
  readonly groups = new Map<string, GroupTotals>();
  readonly formats = new Map<string, FormatTotals>();
  /** Ids seen this round: offset paging can hand the same dataset out twice when the catalog changes. */
  private readonly seen = new Set<string>();
  duplicates = 0;

  constructor(
    /** Ms since the epoch: a dataset modified before it is stale. */
    private readonly staleBeforeMs: number,
  ) {}

  get datasetsRead(): number {
    return this.seen.size;
  }

  add(dataset: DatasetRecord): void {
    if (this.seen.has(dataset.id)) {
      this.duplicates++;
      return;
    }
    this.seen.add(dataset.id);
    const totals = this.totals(dataset.group);
    totals.datasetsRead++;
    if (dataset.private) totals.private++;
    if (!dataset.tagged) totals.untagged++;
    const modified = dataset.modifiedMs;
    if (modified !== undefined) {
      totals.dated++;
      if (modified > totals.newestMs) totals.newestMs = modified;
      if (modified < totals.oldestMs) totals.oldestMs = modified;
      if (modified < this.staleBeforeMs) totals.stale++;
    }
    const formatsOfDataset = new Set<string>(dataset.formats);
    for (const resource of dataset.resources ?? []) {
      totals.resources++;
      if (resource.size === undefined) totals.bytesUnknown++;
      else totals.bytes += resource.size;
      if (resource.format !== "") {
        const format = this.formatKey(resource.format);
        this.format(format).resources++;
        formatsOfDataset.add(format);
      }
    }
    for (const format of formatsOfDataset) this.format(this.formatKey(format)).datasets++;
  }

  /** Makes sure a group is written even when none of its datasets was read (a summary's count). */
  ensure(group: Group): GroupTotals {
    return this.totals(group);
  }

  private totals(group: Group): GroupTotals {
    let totals = this.groups.get(group.key);
    if (totals === undefined) {
      totals = new GroupTotals(group);
      this.groups.set(group.key, totals);
    }
    return totals;
  }

  /** The tag value of a format: as written, shortened, and `other` past MAX_FORMATS distinct ones. */
  formatKey(format: string): string {
    const key = format.length > MAX_FORMAT_LENGTH ? format.slice(0, MAX_FORMAT_LENGTH) : format;
    return this.formats.has(key) || this.formats.size < MAX_FORMATS ? key : OTHER_FORMAT;
  }

  private format(key: string): FormatTotals {
    let totals = this.formats.get(key);
    if (totals === undefined) {
      totals = { resources: 0, datasets: 0 };
      this.formats.set(key, totals);
    }
    return totals;
  }
}
