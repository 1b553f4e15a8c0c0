import type { Readable } from "node:stream";
import { finished } from "node:stream/promises";

// No object of the API comes near this (etcd refuses values over 1.5 MB): a longer line is garbage.
const MAX_LINE_BYTES = 16 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Calls `onLine` for each line of a streamed body; rejects when the stream breaks or `onLine` throws.
 *
 * A watch sends each event on its own, so this runs once per event: it reads 'data' events and finds
 * newlines in the Buffers rather than iterating the stream (a promise per chunk) and joining decoded
 * strings, which cost more than the JSON.parse of the event itself (bench/k8s-api.mjs).
 */
export async function readLines(response: Readable, onLine: (line: string) => void): Promise<void> {
  let partial: Buffer[] = [];
  let partialBytes = 0;
  const emit = (line: string) => {
    if (line.trim() !== "") onLine(line);
  };
  response.on("data", (chunk: Buffer) => {
    try {
      let start = 0;
      let end = chunk.indexOf(NEWLINE);
      while (end >= 0) {
        if (partialBytes > 0) {
          partial.push(chunk.subarray(start, end));
          const line = Buffer.concat(partial).toString("utf8");
          partial = [];
          partialBytes = 0;
          emit(line);
        } else if (end > start) {
          emit(chunk.toString("utf8", start, end));
        }
        start = end + 1;
        end = chunk.indexOf(NEWLINE, start);
      }
      if (start < chunk.length) {
        partial.push(chunk.subarray(start));
        partialBytes += chunk.length - start;
        if (partialBytes > MAX_LINE_BYTES)
          throw new Error(`a line longer than ${MAX_LINE_BYTES} bytes, not an event`);
      }
    } catch (error) {
      response.destroy(error as Error);
    }
  });
  await finished(response);
  if (partialBytes > 0) emit(Buffer.concat(partial).toString("utf8"));
}
