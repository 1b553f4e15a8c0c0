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

/** Writes line protocol to a file descriptor as it comes: stdout, or a file opened for append. */
class FdSink implements Sink {
  private written = 0;

  constructor(
    private readonly fd: number,
    private readonly ownsFd: boolean,
  ) {}

  write(_org: string, lines: readonly string[]): void {
    if (lines.length === 0) return;
    writeAll(this.fd, Buffer.from(`${lines.join("\n")}\n`));
    this.written += lines.length;
  }

  writeChunk(_org: string, chunk: LineChunk): void {
    if (chunk.ends.length === 0) return;
    writeAll(this.fd, Buffer.from(`${chunk.text}\n`));
    this.written += chunk.ends.length;
  }

  async flush(): Promise<FlushResult> {
    return { pendingPoints: 0 };
  }

  async close(): Promise<void> {
    if (this.ownsFd) closeSync(this.fd);
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
