import { type NatsServer, startNats } from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../src/log.js";
import type { Batch } from "../src/publish/batch.js";
import { MemoryQueue } from "../src/publish/memory-queue.js";
import { NatsSink } from "../src/publish/nats-sink.js";
import { createMetricsStream, readStream } from "./helpers/stream.js";

function sinkFor(
  url: string,
  queue = new MemoryQueue({ maxBatches: 100, maxBytes: 1 << 20, onDrop: () => {} }),
) {
  return new NatsSink({
    servers: [url],
    name: "test",
    source: "test",
    queue,
    batchMaxLines: 2,
    batchMaxDelayMs: 0,
    publishTimeoutMs: 2000,
    log: silentLogger,
  });
}

describe("publishing to JetStream", () => {
  let nats: NatsServer;

  beforeAll(async () => {
    nats = await startNats();
    await createMetricsStream(nats.url);
  });
  afterAll(() => nats?.close());

  it("publishes batches per org to metrics.<org>.<source> and reads them back in order", async () => {
    const sink = sinkFor(nats.url);
    sink.write("acme", ["test_m v=1i 1", "test_m v=2i 2", "test_m v=3i 3"]);
    sink.write("globex", ["test_m v=4i 4"]);
    expect(await sink.flush(60_000)).toEqual({ pendingPoints: 0 });
    await sink.close();
    const messages = (await readStream(nats.url)).filter((m) => m.subject.endsWith(".test"));
    expect(messages.map((m) => [m.subject, m.lines])).toEqual([
      ["metrics.acme.test", ["test_m v=1i 1", "test_m v=2i 2"]],
      ["metrics.acme.test", ["test_m v=3i 3"]],
      ["metrics.globex.test", ["test_m v=4i 4"]],
    ]);
    expect(messages.every((m) => typeof m.msgId === "string" && m.msgId.length > 0)).toBe(true);
    expect(sink.stats()).toMatchObject({ pointsWritten: 4, pointsDropped: 0, batchesBuffered: 0 });
  });

  it("stores a retried publish with the same message id once", async () => {
    const before = (await readStream(nats.url)).length;
    const queue = new MemoryQueue({ maxBatches: 10, maxBytes: 1 << 20, onDrop: () => {} });
    const retried: Batch = {
      id: "retry-me-1",
      subject: "metrics.acme.retry",
      payload: "test_m v=1i 1",
      lines: 1,
      bytes: 13,
    };
    await queue.push(retried);
    await queue.push({ ...retried });
    const sink = sinkFor(nats.url, queue);
    await sink.flush(60_000);
    await sink.close();
    const after = await readStream(nats.url);
    expect(after.length - before).toBe(1);
    expect(after.at(-1)!.msgId).toBe("retry-me-1");
  });
});
