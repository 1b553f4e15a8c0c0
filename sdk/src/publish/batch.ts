/** A sealed batch: one NATS message of line protocol for one subject. */
export interface Batch {
  /** Also the `Nats-Msg-Id`, so a retried publish is stored once by the stream. */
  id: string;
  subject: string;
  /** Line protocol: bytes as the batcher seals it (no second encoding on the way out), text from a spool. */
  payload: string | Uint8Array;
  lines: number;
  bytes: number;
}

export interface BatchQueue {
  /**
   * Adds a batch; when full, drops the oldest and reports each through `onDrop`. The batch being sent
   * (the one `peek` returned) is never dropped: it may already be stored, and would be counted as lost.
   */
  push(batch: Batch): Promise<void>;
  /** The oldest batch, or undefined when empty; it stays in the queue until `shift`. */
  peek(): Promise<Batch | undefined>;
  /** Removes the batch `peek` returned, after it was delivered. */
  shift(): Promise<void>;
  readonly batches: number;
  readonly points: number;
}

export interface QueueLimits {
  maxBatches: number;
  maxBytes: number;
  onDrop(batch: { lines: number; bytes: number }): void;
}
