import { PassThrough } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readLines } from "../src/kube/read-lines.js";

/** Feeds `chunks` to readLines one write at a time and returns the lines it gave. */
async function linesOf(chunks: Buffer[]): Promise<string[]> {
  const stream = new PassThrough();
  const lines: string[] = [];
  const reading = readLines(stream, (line) => lines.push(line));
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await reading;
  return lines;
}

/** Cuts `bytes` at the given offsets. */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks.filter((chunk) => chunk.length > 0);
}

describe("readLines (a watch's body, event by event)", () => {
  it("gives the same lines however the body is cut, multi-byte characters included", () => {
    const events = [
      '{"type":"ADDED","object":{"metadata":{"name":"päd-ü"}}}',
      '{"type":"MODIFIED","object":{"note":"日本語 🚀"}}',
      '{"type":"BOOKMARK","object":{}}',
    ];
    const body = Buffer.from(`${events.join("\n")}\n`);
    return fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 20 }), async (offsets) => {
        expect(await linesOf(cut(body, offsets))).toEqual(events);
      }),
    );
  });

  it("skips blank lines and gives a last line that has no newline", async () => {
    expect(await linesOf([Buffer.from("\n  \na\n\nb")])).toEqual(["a", "b"]);
  });

  it("rejects a line longer than any object of the API, without holding more of it", async () => {
    const stream = new PassThrough();
    const reading = readLines(stream, () => {});
    const mib = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 17 && !stream.destroyed; i++) stream.write(mib);
    await expect(reading).rejects.toThrow(/a line longer than 16777216 bytes/);
  });

  it("rejects with the error onLine throws, and reads no further", async () => {
    const stream = new PassThrough();
    const seen: string[] = [];
    const reading = readLines(stream, (line) => {
      seen.push(line);
      if (line === "bad") throw new Error("watch ERROR event: too old");
    });
    stream.write("ok\nbad\nnever\n");
    await expect(reading).rejects.toThrow("watch ERROR event: too old");
    expect(seen).toEqual(["ok", "bad"]);
  });

  it("rejects when the stream breaks mid-line", async () => {
    const stream = new PassThrough();
    const reading = readLines(stream, () => {});
    stream.write('{"type":"ADDED"');
    stream.destroy(new Error("socket hang up"));
    await expect(reading).rejects.toThrow("socket hang up");
  });
});
