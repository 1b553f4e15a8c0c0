import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NatsServer, startNats } from "@platform-metrics/testing";
import { afterEach, describe, expect, it } from "vitest";
import { counterCollector, spawnCollector, waitFor } from "./helpers/spawn-collector.js";
import { counterSeqs, createMetricsStream, lastSelfMetrics, readStream } from "./helpers/stream.js";

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("a collector and a NATS outage", () => {
  let nats: NatsServer | undefined;
  afterEach(async () => {
    await nats?.close();
    nats = undefined;
  });

  it("keeps every point, exactly once, through a NATS outage of 40 rounds", async () => {
    nats = await startNats();
    await createMetricsStream(nats.url);
    const collector = spawnCollector(counterCollector, {
      PM_NATS_URL: nats.url,
      PM_INTERVAL: "100ms",
      PM_RUN: "outage",
      PM_PUBLISH_TIMEOUT: "1s",
      PM_LOG_ROUNDS: "true",
    });
    await waitFor(async () => counterSeqs(await readStream(nats!.url), "outage").length >= 5, "first points");

    await nats.stop();
    const outageStart = collector.output().length;
    const countedSince = () => [
      ...collector
        .output()
        .slice(outageStart)
        .matchAll(/"seq":(\d+),"msg":"counted"/g),
    ];
    // The outage lasts 40 rounds of the collector, however long a loaded machine takes for them.
    await waitFor(
      () =>
        countedSince().length >= 40 &&
        /cannot publish to JetStream/.test(collector.output().slice(outageStart)),
      "40 rounds during the outage",
      60_000,
    );
    const lastSeqInOutage = Number(countedSince().at(-1)![1]);
    await nats.start();
    await waitFor(
      async () => counterSeqs(await readStream(nats!.url), "outage").length >= lastSeqInOutage,
      "the points of the outage to arrive",
      60_000,
    );

    collector.child.kill("SIGTERM");
    expect(await collector.exited).toEqual({ code: 0, signal: null });
    const messages = await readStream(nats.url);
    const seqs = counterSeqs(messages, "outage");
    // Every point of every round, those of the outage too, arrived once.
    expect(seqs.length).toBeGreaterThanOrEqual(lastSeqInOutage);
    expect(seqs).toEqual(range(1, seqs.length));
    expect(lastSelfMetrics(messages)!.points_dropped).toBe(0);
    expect(collector.output().slice(outageStart)).toMatch(
      /cannot publish to JetStream; buffering and retrying/,
    );
  });

  it("with a tiny buffer drops the oldest batches and counts exactly what it dropped", async () => {
    nats = await startNats();
    await createMetricsStream(nats.url);
    await nats.stop();
    const collector = spawnCollector(counterCollector, {
      PM_NATS_URL: nats.url,
      PM_INTERVAL: "50ms",
      PM_RUN: "tiny",
      PM_BUFFER_MAX_BATCHES: "3",
      PM_PUBLISH_TIMEOUT: "500ms",
    });
    await waitFor(() => (collector.output().match(/dropped the oldest batch/g) ?? []).length >= 10, "drops");
    await nats.start();
    // Until the buffer has drained, a round's own batch can still push an older one out after its
    // pm_collector point was taken; once a delivered point says nothing is buffered, no more drops come.
    await waitFor(
      async () => lastSelfMetrics(await readStream(nats!.url))?.batches_buffered === 0,
      "the buffer to drain",
    );
    collector.child.kill("SIGTERM");
    expect((await collector.exited).code).toBe(0);

    const messages = await readStream(nats.url);
    const deliveredLines = messages.flatMap((m) => m.lines).length;
    // Each round writes one counter point and one pm_collector point. The final totals in the
    // "stopped" log line include drops made after the last delivered pm_collector point was taken
    // (a round's own batch can push an older one out once the point is built).
    const stopped = JSON.parse(
      collector
        .output()
        .split("\n")
        .findLast((l) => l.includes('"stopped"'))!,
    );
    const seqs = counterSeqs(messages, "tiny");
    expect(stopped.pointsDropped).toBeGreaterThan(0);
    expect(stopped.pointsUnsent).toBe(0);
    expect(2 * stopped.rounds - deliveredLines).toBe(stopped.pointsDropped);
    expect(stopped.pointsWritten).toBe(deliveredLines);
    expect(new Set(seqs).size).toBe(seqs.length);
    // What survived: the first batch, which was being sent when the buffer filled (never dropped, as it
    // may already be stored), and the newest, a run of consecutive rounds up to the end.
    const [first, ...newest] = seqs;
    expect(first).toBe(1);
    expect(newest).toEqual(range(newest[0]!, newest.at(-1)!));
  });

  it("delivers batches spooled to disk before a SIGKILL after a restart", async () => {
    nats = await startNats();
    await createMetricsStream(nats.url);
    await nats.stop();
    const spoolDir = mkdtempSync(join(tmpdir(), "pm-spool-test-"));
    const env = {
      PM_NATS_URL: nats.url,
      PM_INTERVAL: "50ms",
      PM_SPOOL_DIR: spoolDir,
      PM_PUBLISH_TIMEOUT: "500ms",
    };
    const first = spawnCollector(counterCollector, { ...env, PM_RUN: "first" });
    await waitFor(
      () => readdirSync(spoolDir).filter((f) => f.endsWith(".batch")).length >= 10,
      "spooled batches",
    );
    first.child.kill("SIGKILL");
    await first.exited;
    const spooled = readdirSync(spoolDir).filter((f) => f.endsWith(".batch")).length;

    await nats.start();
    const second = spawnCollector(counterCollector, { ...env, PM_RUN: "second" });
    await waitFor(
      async () => counterSeqs(await readStream(nats!.url), "second").length >= 3,
      "second run's points",
    );
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);

    const firstSeqs = counterSeqs(await readStream(nats.url), "first");
    expect(firstSeqs.length).toBeGreaterThanOrEqual(spooled);
    expect(firstSeqs).toEqual(range(1, firstSeqs.length));
    expect(second.output()).toMatch(/replaying spooled batches/);
    expect(readdirSync(spoolDir)).toEqual([]);
  });
});
