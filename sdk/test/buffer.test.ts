import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import type { Batch } from "../src/publish/batch.js";
import { Batcher, MAX_BATCH_CHARS } from "../src/publish/batcher.js";
import { chunkOf } from "../src/publish/line-chunk.js";
import { MemoryQueue } from "../src/publish/memory-queue.js";
import { DiskSpool } from "../src/publish/spool.js";

const batch = (n: number, lines = 2): Batch => {
  const payload = Array.from({ length: lines }, (_, i) => `test_m v=${n * 100 + i}i`).join("\n");
  return { id: `id-${n}`, subject: "metrics.acme.test", payload, lines, bytes: Buffer.byteLength(payload) };
};

describe.each([
  [
    "memory",
    (onDrop: (b: { lines: number }) => void, max = 3) =>
      new MemoryQueue({ maxBatches: max, maxBytes: 1 << 20, onDrop }),
  ],
  [
    "disk spool",
    (onDrop: (b: { lines: number }) => void, max = 3) =>
      new DiskSpool(mkdtempSync(join(tmpdir(), "pm-spool-")), { maxBatches: max, maxBytes: 1 << 20, onDrop }),
  ],
])("%s queue", (_name, make) => {
  it("is first in, first out", async () => {
    const queue = make(() => {});
    for (const n of [1, 2, 3]) await queue.push(batch(n));
    const seen: string[] = [];
    for (let b = await queue.peek(); b; b = await queue.peek()) {
      seen.push(b.id);
      await queue.shift();
    }
    expect(seen).toEqual(["id-1", "id-2", "id-3"]);
    expect(queue.batches).toBe(0);
    expect(queue.points).toBe(0);
  });

  it("drops the oldest batches when full and reports exactly what it dropped", async () => {
    let droppedPoints = 0;
    const queue = make((b) => {
      droppedPoints += b.lines;
    });
    for (let n = 1; n <= 10; n++) await queue.push(batch(n, n));
    expect(queue.batches).toBe(3);
    expect((await queue.peek())!.id).toBe("id-8");
    expect(droppedPoints).toBe(1 + 2 + 3 + 4 + 5 + 6 + 7);
    expect(queue.points).toBe(8 + 9 + 10);
  });
});

describe.each([
  [
    "memory",
    (onDrop: (b: { lines: number }) => void) => new MemoryQueue({ maxBatches: 3, maxBytes: 1 << 20, onDrop }),
  ],
  [
    "disk spool",
    (onDrop: (b: { lines: number }) => void) =>
      new DiskSpool(mkdtempSync(join(tmpdir(), "pm-spool-")), { maxBatches: 3, maxBytes: 1 << 20, onDrop }),
  ],
])("%s queue while a batch is being sent", (_name, make) => {
  it("drops the oldest batch that is not in flight, and removes the one that was sent", async () => {
    const dropped: number[] = [];
    const queue = make((b) => {
      dropped.push(b.lines);
    });
    for (const n of [1, 2, 3]) await queue.push(batch(n, n));
    expect((await queue.peek())!.id).toBe("id-1");
    await queue.push(batch(4, 4));
    await queue.push(batch(5, 5));
    expect(dropped).toEqual([2, 3]);
    await queue.shift();
    const rest: string[] = [];
    for (let b = await queue.peek(); b; b = await queue.peek()) {
      rest.push(b.id);
      await queue.shift();
    }
    expect(rest).toEqual(["id-4", "id-5"]);
  });
});

describe("disk spool", () => {
  it("survives a restart, in order, and keeps numbering after the last file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pm-spool-"));
    const limits = { maxBatches: 100, maxBytes: 1 << 20, onDrop: () => {} };
    const first = new DiskSpool(dir, limits);
    for (const n of [1, 2, 3]) await first.push(batch(n));
    await first.shift();

    const second = new DiskSpool(dir, limits);
    expect(second.batches).toBe(2);
    await second.push(batch(4));
    const seen: Batch[] = [];
    for (let b = await second.peek(); b; b = await second.peek()) {
      seen.push(b);
      await second.shift();
    }
    expect(seen.map((b) => b.id)).toEqual(["id-2", "id-3", "id-4"]);
    expect(seen[0]!.payload).toBe(batch(2).payload);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("ignores a half-written batch and reports an unreadable one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pm-spool-"));
    writeFileSync(join(dir, "000000000001.batch.tmp"), '{"id":');
    writeFileSync(join(dir, "000000000002.batch"), "not json\nx v=1i");
    writeFileSync(
      join(dir, "000000000003.batch"),
      `${JSON.stringify({ id: "ok", subject: "metrics.a.b", lines: 1 })}\nx v=1i`,
    );
    const corrupt: string[] = [];
    const spool = new DiskSpool(
      dir,
      { maxBatches: 10, maxBytes: 1 << 20, onDrop: () => {} },
      (file) => void corrupt.push(file),
    );
    expect(spool.batches).toBe(1);
    expect((await spool.peek())!.id).toBe("ok");
    expect(corrupt).toEqual([join(dir, "000000000002.batch")]);
    expect(readdirSync(dir)).toEqual(["000000000003.batch"]);
  });
});

describe("batcher", () => {
  it("seals per subject at the line limit and on sealAll", () => {
    const sealed: Batch[] = [];
    const batcher = new Batcher({ maxLines: 3, maxDelayMs: 0 }, (b) => void sealed.push(b));
    batcher.add("metrics.a.x", ["l1", "l2", "l3", "l4"]);
    batcher.add("metrics.b.x", ["m1"]);
    const text = (b: Batch) => Buffer.from(b.payload).toString();
    expect(sealed.map((b) => [b.subject, text(b)])).toEqual([["metrics.a.x", "l1\nl2\nl3"]]);
    batcher.sealAll();
    expect(sealed.map((b) => [b.subject, text(b), b.lines])).toEqual([
      ["metrics.a.x", "l1\nl2\nl3", 3],
      ["metrics.a.x", "l4", 1],
      ["metrics.b.x", "m1", 1],
    ]);
    expect(new Set(sealed.map((b) => b.id)).size).toBe(3);
  });

  it("splits a chunk between lines, also lines with a newline in a string field, and counts UTF-8 bytes", () => {
    const sealed: Batch[] = [];
    const batcher = new Batcher({ maxLines: 2, maxDelayMs: 0 }, (b) => void sealed.push(b));
    const lines = ['m s="one\ntwo"', 'm s="é"', "m v=3i", 'm s="\n"', "m v=5i"];
    batcher.addChunk("metrics.a.x", chunkOf(lines.slice(0, 3)));
    batcher.addChunk("metrics.a.x", chunkOf(lines.slice(3)));
    batcher.sealAll();
    const texts = sealed.map((b) => Buffer.from(b.payload).toString());
    expect(texts).toEqual([lines.slice(0, 2), lines.slice(2, 4), lines.slice(4)].map((l) => l.join("\n")));
    expect(sealed.map((b) => b.lines)).toEqual([2, 2, 1]);
    expect(sealed.map((b) => b.bytes)).toEqual(texts.map((t) => Buffer.byteLength(t)));
  });

  it("keeps a batch under MAX_BATCH_CHARS, and sends a longer line alone", () => {
    const sealed: Batch[] = [];
    const batcher = new Batcher({ maxLines: 1000, maxDelayMs: 0 }, (b) => void sealed.push(b));
    const line = `m s="${"x".repeat(MAX_BATCH_CHARS / 4)}"`;
    const huge = `m s="${"y".repeat(MAX_BATCH_CHARS)}"`;
    batcher.add("metrics.a.x", [line, line, line, line, huge, line]);
    batcher.sealAll();
    expect(sealed.map((b) => b.lines)).toEqual([3, 1, 1, 1]);
    for (const b of sealed.filter((b) => b.lines > 1)) expect(b.bytes).toBeLessThanOrEqual(MAX_BATCH_CHARS);
    expect(sealed.reduce((n, b) => n + b.lines, 0)).toBe(6);
  });

  it("seals after the delay", async () => {
    const sealed: Batch[] = [];
    const batcher = new Batcher({ maxLines: 1000, maxDelayMs: 10 }, (b) => void sealed.push(b));
    batcher.add("metrics.a.x", ["l1"]);
    expect(sealed).toHaveLength(0);
    await vi.waitFor(() => expect(sealed).toHaveLength(1), { timeout: 30_000 });
  });
});
