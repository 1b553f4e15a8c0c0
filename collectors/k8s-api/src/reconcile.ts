import type { Generations } from "./kube/records.js";

interface Waiting {
  kind: string;
  namespace: string;
  /** When the collector saw the object fall behind (performance.now()). */
  since: number;
  /** False for objects already behind when first listed: their wait began before we looked. */
  sawRise: boolean;
}

export interface ReconcileSummary {
  kind: string;
  namespace: string;
  /** Completed reconciles of the interval, in ms, sorted. */
  samples: number[];
  /** Objects waiting longer than the pending threshold now. */
  pending: number;
}

/**
 * Times controllers from the outside: an object whose metadata.generation is above its
 * status.observedGeneration is waiting; when observedGeneration catches up, the wait (from when the
 * collector first saw it fall behind, by its own clock) is one sample. A generation that rises again
 * while waiting extends the same wait: the object is out of date until the controller catches up.
 */
export class ReconcileTracker {
  private readonly waiting = new Map<string, Waiting>();
  private samples = new Map<string, { kind: string; namespace: string; samples: number[] }>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** An object (key unique across kinds) was listed or changed. */
  observe(key: string, kind: string, namespace: string, object: Generations, listed: boolean): void {
    const waiting = this.waiting.get(key);
    const observed = object.observedGeneration;
    if (observed !== undefined && observed >= object.generation) {
      if (waiting === undefined) return;
      this.waiting.delete(key);
      if (waiting.sawRise) this.sample(kind, namespace, this.now() - waiting.since);
      return;
    }
    if (waiting === undefined)
      this.waiting.set(key, { kind, namespace, since: this.now(), sawRise: !listed });
  }

  forget(key: string): void {
    this.waiting.delete(key);
  }

  /** The interval's samples and the pending counts, per kind and namespace; starts a new interval. */
  take(pendingAfterMs: number): ReconcileSummary[] {
    const now = this.now();
    const summaries = new Map<string, ReconcileSummary>();
    const summary = (kind: string, namespace: string) => {
      const id = `${kind}\u0000${namespace}`;
      let entry = summaries.get(id);
      if (!entry) {
        entry = { kind, namespace, samples: [], pending: 0 };
        summaries.set(id, entry);
      }
      return entry;
    };
    for (const { kind, namespace, samples } of this.samples.values()) {
      summary(kind, namespace).samples = samples.sort((a, b) => a - b);
    }
    for (const waiting of this.waiting.values()) {
      if (now - waiting.since > pendingAfterMs) summary(waiting.kind, waiting.namespace).pending++;
    }
    this.samples = new Map();
    return [...summaries.values()];
  }

  private sample(kind: string, namespace: string, ms: number): void {
    const id = `${kind}\u0000${namespace}`;
    let entry = this.samples.get(id);
    if (!entry) {
      entry = { kind, namespace, samples: [] };
      this.samples.set(id, entry);
    }
    entry.samples.push(ms);
  }
}

/** The nearest-rank percentile of sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}
