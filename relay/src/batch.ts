import type { StreamMessage } from "./stream-message.js";
import { messageBody, type ValidatedMessage } from "./validate.js";

/** Messages gathered for one write to one replica. */
export interface Batch {
  messages: StreamMessage[];
  /** The validated form of each message, shared with the other replicas' pipelines. */
  results: ValidatedMessage[];
  lineCount: number;
  /** Dead letters of these messages' bad lines: published before the messages are acked. */
  deadLetters: Promise<void>[];
  /** When its first message was added (performance.now()). */
  openedAt: number;
}

export const newBatch = (): Batch => ({
  messages: [],
  results: [],
  lineCount: 0,
  deadLetters: [],
  openedAt: 0,
});

/** Adds a validated message; `now` opens the batch's wait when it is the first. */
export function addToBatch(
  batch: Batch,
  message: StreamMessage,
  result: ValidatedMessage,
  now: number,
): void {
  const index = batch.messages.push(message) - 1;
  if (index === 0) batch.openedAt = now;
  batch.results.push(result);
  batch.lineCount += result.lines.length;
}

/**
 * Group commit: while no write is in flight a batch is written at once, however small, so a light
 * load waits for nothing; while one is, the next batch grows until that write ends, it is full
 * (`maxLines`) or its first message waited `maxDelayMs`. A heavy load therefore writes full batches,
 * `maxInFlight` at a time.
 */
export function batchReady(
  batch: Batch,
  writing: number,
  limits: { maxLines: number; maxDelayMs: number; maxInFlight: number },
  now: number,
): boolean {
  return (
    batch.messages.length > 0 &&
    writing < limits.maxInFlight &&
    (writing === 0 || batch.lineCount >= limits.maxLines || now - batch.openedAt >= limits.maxDelayMs)
  );
}

const NEWLINE = Buffer.from("\n");

/**
 * The write body: each message's lines were joined and encoded once, for every replica, so a batch is
 * a copy of a few buffers (of many, for one-line messages), not a join of thousands of strings.
 */
export function batchBody(batch: Batch): Buffer {
  const parts: Buffer[] = [];
  for (const result of batch.results) {
    if (result.lines.length === 0) continue;
    if (parts.length > 0) parts.push(NEWLINE);
    parts.push(messageBody(result));
  }
  return Buffer.concat(parts);
}

/** Maps a line number of the batch to [message index, line number within that message]. */
export function locate(batch: Batch): (index: number) => [number, number] {
  const starts: number[] = [];
  let start = 0;
  for (const result of batch.results) {
    starts.push(start);
    start += result.lines.length;
  }
  return (index) => {
    let m = starts.length - 1;
    while (m > 0 && (starts[m]! > index || batch.results[m]!.lines.length === 0)) m--;
    return [m, index - starts[m]!];
  };
}
