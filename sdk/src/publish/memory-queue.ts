import type { Batch, BatchQueue, QueueLimits } from "./batch.js";

/** Bounded in-memory FIFO of batches; the oldest go first when full. */
export class MemoryQueue implements BatchQueue {
  private items: Batch[] = [];
  private head = 0;
  private totalBytes = 0;
  private totalPoints = 0;
  /** Whether the head was handed out by `peek` and is being sent. */
  private headInFlight = false;

  constructor(private readonly limits: QueueLimits) {}

  get batches(): number {
    return this.items.length - this.head;
  }

  get points(): number {
    return this.totalPoints;
  }

  async push(batch: Batch): Promise<void> {
    this.items.push(batch);
    this.totalBytes += batch.bytes;
    this.totalPoints += batch.lines;
    while (
      this.batches > this.limits.maxBatches ||
      (this.totalBytes > this.limits.maxBytes && this.batches > 1)
    ) {
      const oldest = this.headInFlight ? this.head + 1 : this.head;
      // Never the batch being sent, nor the one just added.
      if (oldest >= this.items.length - 1) break;
      const [dropped] = this.items.splice(oldest, 1) as [Batch];
      this.account(dropped);
      this.limits.onDrop(dropped);
    }
  }

  async peek(): Promise<Batch | undefined> {
    const batch = this.items[this.head];
    this.headInFlight = batch !== undefined;
    return batch;
  }

  async shift(): Promise<void> {
    this.headInFlight = false;
    if (this.batches === 0) return;
    this.account(this.items[this.head]!);
    this.items[this.head] = undefined as unknown as Batch;
    this.head++;
    // Compact now and then instead of shift() on every delivery.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  private account(removed: Batch): void {
    this.totalBytes -= removed.bytes;
    this.totalPoints -= removed.lines;
  }
}
