import { type NatsServer, startNats } from "@platform-metrics/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  counterCollector,
  type RunningCollector,
  spawnCollector,
  waitFor,
} from "./helpers/spawn-collector.js";
import { counterSeqs, createMetricsStream, readStream } from "./helpers/stream.js";

const startPort = (collector: RunningCollector) => /"httpPort":(\d+)/.exec(collector.output())?.[1];

interface Readiness {
  sink?: string;
  lastGoodRound?: string | null;
}

async function readyz(collector: RunningCollector): Promise<{ status: number; body: Readiness }> {
  const response = await fetch(`http://127.0.0.1:${startPort(collector)}/readyz`);
  return { status: response.status, body: (await response.json()) as Readiness };
}

const logLines = (collector: RunningCollector) =>
  collector
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { level: number; msg: string });

describe("a collector whose NATS is unreachable at start", () => {
  // A real server, stopped: its port is one nothing listens on, and it can come back there.
  let nats: NatsServer;
  let collector: RunningCollector | undefined;
  beforeAll(async () => {
    nats = await startNats();
    await createMetricsStream(nats.url);
  });
  afterEach(async () => {
    collector?.child.kill("SIGKILL");
    await collector?.exited;
    collector = undefined;
  });
  afterAll(() => nats?.close());

  it("says so at start, before any point is published, and is not ready", async () => {
    await nats.stop();
    // The first round sleeps: nothing is published for a long while, so only connecting at start
    // can find the bad address now.
    collector = spawnCollector(counterCollector, {
      PM_NATS_URL: nats.url,
      PM_RUN: "at-start",
      PM_INTERVAL: "1h",
      PM_ROUND_SLEEP: "30m",
    });
    await waitFor(() => startPort(collector!) !== undefined, "the collector to start");
    await waitFor(
      () => logLines(collector!).some((line) => line.msg.startsWith("cannot connect to NATS")),
      "the failure to connect logged",
    );
    const failure = logLines(collector).find((line) => line.msg.startsWith("cannot connect to NATS"))!;
    expect(failure.level).toBe(50);
    expect(collector.output()).toContain(nats.url);
    expect(await readyz(collector)).toEqual({
      status: 503,
      body: expect.objectContaining({ sink: "NATS unreachable" }),
    });
    collector.child.kill("SIGTERM");
    expect((await collector.exited).code).toBe(0);
  });

  it("buffers meanwhile, and becomes ready and delivers once the server is there", async () => {
    await nats.stop();
    collector = spawnCollector(counterCollector, {
      PM_NATS_URL: nats.url,
      PM_RUN: "late-server",
      PM_INTERVAL: "200ms",
    });
    await waitFor(
      () => logLines(collector!).some((line) => line.msg.startsWith("cannot connect to NATS")),
      "the failure to connect logged",
    );
    // Rounds go on while NATS is away (their points wait in the buffer); the sink keeps it unready.
    await waitFor(async () => (await readyz(collector!)).body.lastGoodRound != null, "a good round");
    expect(await readyz(collector)).toEqual({
      status: 503,
      body: expect.objectContaining({ sink: "NATS unreachable" }),
    });
    await nats.start();
    await waitFor(async () => (await readyz(collector!)).status === 200, "ready once NATS is there", 30_000);
    expect(collector.output()).toContain('"msg":"connected to NATS"');
    collector.child.kill("SIGTERM");
    expect((await collector.exited).code).toBe(0);
    const seqs = counterSeqs(await readStream(nats.url), "late-server");
    // Every round's point, from the first (buffered while NATS was away) on, each once.
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(seqs.length).toBeGreaterThan(0);
  });
});

describe("a collector whose NATS has no METRICS stream", () => {
  let nats: NatsServer;
  let collector: RunningCollector | undefined;
  beforeAll(async () => {
    nats = await startNats();
  });
  afterEach(async () => {
    collector?.child.kill("SIGKILL");
    await collector?.exited;
    collector = undefined;
  });
  afterAll(() => nats?.close());

  it("logs that the stream is missing, says so in /readyz, and delivers once the stream is created", async () => {
    collector = spawnCollector(counterCollector, {
      PM_NATS_URL: nats.url,
      PM_RUN: "no-stream",
      PM_INTERVAL: "200ms",
    });
    await waitFor(
      () => logLines(collector!).some((line) => line.msg.startsWith("cannot publish to JetStream")),
      "the failed publish logged",
    );
    const failure = logLines(collector).find((line) =>
      line.msg.startsWith("cannot publish to JetStream"),
    ) as {
      err?: string;
    };
    expect(failure.err).toMatch(
      /^no JetStream stream stores metrics\.platform\.counter .*the METRICS stream is missing/,
    );
    expect(collector.output()).toContain('"msg":"connected to NATS"');
    await waitFor(async () => (await readyz(collector!)).body.lastGoodRound != null, "a good round");
    expect(await readyz(collector)).toEqual({
      status: 503,
      body: expect.objectContaining({
        sink: "connected to NATS, but no METRICS stream stores metrics.platform.counter",
      }),
    });
    await createMetricsStream(nats.url);
    await waitFor(
      async () => (await readyz(collector!)).status === 200,
      "ready once the stream is there",
      30_000,
    );
    collector.child.kill("SIGTERM");
    expect((await collector.exited).code).toBe(0);
    const seqs = counterSeqs(await readStream(nats.url), "no-stream");
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });
});
