import type { Readable, Writable } from "node:stream";

/** The most of a command's stdout kept for its results; the rest still reaches the caller. */
export const MAX_CAPTURE_BYTES = 64 * 1024 * 1024;

/**
 * Passes a command's stdout on unchanged (with back-pressure: a slow reader slows the command, as
 * with an inherited stdout) and keeps a copy for its result parser. When the reader goes away
 * (`| head`), passing on stops and the copy goes on: the run and its results are still recorded.
 */
export class OutputCapture {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  truncated = false;
  ended = false;

  constructor(
    private readonly source: Readable,
    private readonly destination: Writable,
  ) {
    source.on("data", (chunk: Buffer) => this.keep(chunk));
    source.once("close", () => {
      this.ended = true;
    });
    // Unhandled, a write error (EPIPE) would be thrown and end the collector before the run is recorded.
    destination.on("error", () => this.stopPassingOn());
    source.pipe(destination, { end: false });
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }

  private stopPassingOn(): void {
    this.source.unpipe(this.destination);
    this.source.resume();
  }

  private keep(chunk: Buffer): void {
    const room = MAX_CAPTURE_BYTES - this.bytes;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept !== chunk) this.truncated = true;
    this.chunks.push(kept);
    this.bytes += kept.length;
  }
}
