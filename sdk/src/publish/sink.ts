import type { LineChunk } from "./line-chunk.js";

/** Where a collector's encoded lines go. */
export interface Sink {
  /** Accepts lines of one org. Delivery problems never throw here: they are buffered, counted, logged. */
  write(org: string, lines: readonly string[]): void;
  /** The same for lines already joined (what a round produces). */
  writeChunk(org: string, chunk: LineChunk): void;
  /** Sends what is open now and waits until all is delivered or `timeoutMs` passes. */
  flush(timeoutMs: number): Promise<FlushResult>;
  close(): Promise<void>;
  stats(): SinkStats;
  /** Whether the destination is reachable now. */
  ready(): boolean;
  /** Why it is not ready, for `/readyz` (default: unreachable). */
  notReadyReason?(): string;
}

export interface FlushResult {
  /** Points still waiting (in the spool, they survive a restart; in memory, they are lost on exit). */
  pendingPoints: number;
}

export interface SinkStats {
  pointsWritten: number;
  pointsDropped: number;
  batchesBuffered: number;
  pointsBuffered: number;
  publishErrors: number;
}
