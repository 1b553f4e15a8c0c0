/**
 * Latencies of one direction: exact count and mean, percentiles from a bounded uniform sample
 * (reservoir sampling), so a long fast run cannot use unbounded memory.
 */
export class LatencyRecorder {
  private readonly samples: Float64Array;
  private kept = 0;
  count = 0;
  private sum = 0;

  constructor(private readonly capacity = 100_000) {
    this.samples = new Float64Array(capacity);
  }

  record(ns: number): void {
    this.count++;
    this.sum += ns;
    if (this.kept < this.capacity) {
      this.samples[this.kept++] = ns;
      return;
    }
    const slot = Math.floor(Math.random() * this.count);
    if (slot < this.capacity) this.samples[slot] = ns;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** Nearest-rank percentiles, `p` in 0..100. */
  percentiles(ps: readonly number[]): number[] {
    const sorted = this.samples.slice(0, this.kept).sort();
    return ps.map((p) => {
      if (sorted.length === 0) return 0;
      const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
      return sorted[rank - 1]!;
    });
  }
}
