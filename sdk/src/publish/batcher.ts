import { randomUUID } from "node:crypto";
import type { Batch } from "./batch.js";

// NATS refuses messages above max_payload (1 MiB by default). Batches are measured in UTF-16 code
// units, which is cheap; one unit is at most 3 UTF-8 bytes, so 256 Ki units stay under 768 KiB.
export const MAX_BATCH_CHARS = 256 * 1024;

interface OpenBatch {
  lines: string[];
  chars: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Groups lines per subject into batches, sealed at `maxLines`, at MAX_BATCH_CHARS, after `maxDelayMs`
 * since the first line, or on `sealAll()` (end of a round, shutdown).
 */
export class Batcher {
  private readonly open = new Map<string, OpenBatch>();

  constructor(
    private readonly options: { maxLines: number; maxDelayMs: number },
    private readonly onSealed: (batch: Batch) => void,
  ) {}

  add(subject: string, lines: readonly string[]): void {
    let batch = this.open.get(subject);
    for (const line of lines) {
      if (batch && batch.chars + line.length + 1 > MAX_BATCH_CHARS) {
        this.seal(subject);
        batch = undefined;
      }
      batch ??= this.start(subject);
      batch.lines.push(line);
      batch.chars += line.length + 1;
      if (batch.lines.length >= this.options.maxLines) {
        this.seal(subject);
        batch = undefined;
      }
    }
  }

  sealAll(): void {
    for (const subject of [...this.open.keys()]) this.seal(subject);
  }

  private start(subject: string): OpenBatch {
    const batch: OpenBatch = { lines: [], chars: 0, timer: undefined };
    this.open.set(subject, batch);
    if (this.options.maxDelayMs > 0) {
      batch.timer = setTimeout(() => this.seal(subject), this.options.maxDelayMs);
      batch.timer.unref();
    }
    return batch;
  }

  private seal(subject: string): void {
    const batch = this.open.get(subject);
    if (!batch) return;
    this.open.delete(subject);
    if (batch.timer) clearTimeout(batch.timer);
    const payload = batch.lines.join("\n");
    this.onSealed({
      id: randomUUID(),
      subject,
      payload,
      lines: batch.lines.length,
      bytes: Buffer.byteLength(payload),
    });
  }
}
