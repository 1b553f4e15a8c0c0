import { closeSync, openSync, writeSync } from "node:fs";
import type { LineChunk } from "./line-chunk.js";
import type { FlushResult, Sink, SinkStats } from "./sink.js";

// stdout may be a non-blocking pipe: a write can be partial or answer EAGAIN while the reader is slow.
function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

/**
 * Writes line protocol to a file descriptor: stdout, or a file opened for append. Lines are held until
 * `flush` (the end of every round, and shutdown), so a round costs one write, not one per org.
 */
class FdSink implements Sink {
  private written = 0;
  private pending: string[] = [];
  private pendingLines = 0;

  constructor(
    private readonly fd: number,
    private readonly ownsFd: boolean,
  ) {}

  write(_org: string, lines: readonly string[]): void {
    if (lines.length === 0) return;
    this.pending.push(lines.join("\n"));
    this.pendingLines += lines.length;
  }

  writeChunk(_org: string, chunk: LineChunk): void {
    if (chunk.ends.length === 0) return;
    this.pending.push(chunk.text);
    this.pendingLines += chunk.ends.length;
  }

  async flush(): Promise<FlushResult> {
    this.writePending();
    return { pendingPoints: 0 };
  }

  async close(): Promise<void> {
    this.writePending();
    if (this.ownsFd) closeSync(this.fd);
  }

  private writePending(): void {
    if (this.pending.length === 0) return;
    const text = `${this.pending.join("\n")}\n`;
    const lines = this.pendingLines;
    this.pending = [];
    this.pendingLines = 0;
    writeAll(this.fd, Buffer.from(text));
    this.written += lines;
  }

  stats(): SinkStats {
    return {
      pointsWritten: this.written,
      pointsDropped: 0,
      batchesBuffered: 0,
      pointsBuffered: 0,
      publishErrors: 0,
    };
  }

  ready(): boolean {
    return true;
  }
}

export function createStdoutSink(): Sink {
  return new FdSink(1, false);
}

export function createFileSink(path: string): Sink {
  try {
    return new FdSink(openSync(path, "a"), true);
  } catch (error) {
    throw new Error(
      `PM_SINK=file:${path}: cannot open for append: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}
