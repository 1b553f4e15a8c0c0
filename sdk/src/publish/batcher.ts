import { Buffer } from "node:buffer";
import { randomUUID } from "node:crypto";
import type { Batch } from "./batch.js";
import { chunkOf, type LineChunk } from "./line-chunk.js";

// NATS refuses messages above max_payload (1 MiB by default). Batches are measured in UTF-16 code
// units, which is cheap; one unit is at most 3 UTF-8 bytes, so 256 Ki units stay under 768 KiB.
export const MAX_BATCH_CHARS = 256 * 1024;

interface OpenBatch {
  /** Runs of lines, each already joined with "\n": one flat string per call of `add`, not per line. */
  chunks: string[];
  lines: number;
  chars: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Groups lines per subject into batches, sealed at `maxLines`, at MAX_BATCH_CHARS, after `maxDelayMs`
 * since the first line, or on `sealAll()` (end of a round, shutdown).
 *
 * The lines of one `add` that fit are joined at once: a round's lines (concatenated strings, many small
 * objects each) become one flat string while they are young, instead of waiting in the open batch for
 * the next rounds, which would make every young-generation GC copy them.
 */
export class Batcher {
  private readonly open = new Map<string, OpenBatch>();

  constructor(
    private readonly options: { maxLines: number; maxDelayMs: number },
    private readonly onSealed: (batch: Batch) => void,
  ) {}

  add(subject: string, lines: readonly string[]): void {
    if (lines.length > 0) this.addChunk(subject, chunkOf(lines));
  }

  /** Adds the lines of a chunk, in order; a batch boundary may fall between any two of them. */
  addChunk(subject: string, chunk: LineChunk): void {
    const { maxLines } = this.options;
    const { text, ends } = chunk;
    let from = 0;
    while (from < ends.length) {
      const batch = this.open.get(subject) ?? this.start(subject);
      const startChar = from === 0 ? 0 : ends[from - 1]! + 1;
      let to = Math.min(ends.length, from + maxLines - batch.lines);
      // Fewer lines when they would not fit in MAX_BATCH_CHARS; a line longer than that still goes, alone.
      while (to > from && batch.chars + ends[to - 1]! - startChar + 1 > MAX_BATCH_CHARS) to--;
      if (to === from && batch.lines === 0) to = from + 1;
      if (to > from) {
        const piece = from === 0 && to === ends.length ? text : text.slice(startChar, ends[to - 1]);
        batch.chunks.push(piece);
        batch.lines += to - from;
        batch.chars += piece.length + 1;
      }
      // Full by lines or by size (the next line did not fit): seal, and go on with a new batch.
      if (to < ends.length || batch.lines >= maxLines) this.seal(subject);
      from = to;
    }
  }

  sealAll(): void {
    for (const subject of [...this.open.keys()]) this.seal(subject);
  }

  private start(subject: string): OpenBatch {
    const batch: OpenBatch = { chunks: [], lines: 0, chars: 0, timer: undefined };
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
    if (batch.lines === 0) return;
    const payload = encode(batch.chunks);
    this.onSealed({ id: randomUUID(), subject, payload, lines: batch.lines, bytes: payload.length });
  }
}

/**
 * The chunks, separated by "\n", as UTF-8: written one by one into a buffer of the exact size. Joining
 * them into one string first and letting the NATS client encode that would allocate and copy the
 * whole payload twice more.
 */
function encode(chunks: readonly string[]): Buffer {
  let size = chunks.length - 1;
  for (const chunk of chunks) size += Buffer.byteLength(chunk);
  const payload = Buffer.allocUnsafe(size);
  let offset = 0;
  for (let i = 0; i < chunks.length; i++) {
    if (i > 0) payload[offset++] = 0x0a;
    offset += payload.write(chunks[i]!, offset);
  }
  return payload;
}
