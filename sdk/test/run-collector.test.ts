import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NatsServer, startNats } from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { counterCollector, spawnCollector, waitFor } from "./helpers/spawn-collector.js";
import { counterSeqs, createMetricsStream, readStream } from "./helpers/stream.js";

describe("runCollector", () => {
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await startNats();
    await createMetricsStream(nats.url);
  });
  afterAll(() => nats?.close());

  it("on SIGTERM during a round lets it finish, flushes its points, and exits 0", async () => {
    const collector = spawnCollector(counterCollector, {
      PM_NATS_URL: nats.url,
      PM_RUN: "sigterm",
      PM_ROUND_SLEEP: "1500ms",
      PM_INTERVAL: "10s",
    });
    await waitFor(() => collector.output().includes('"msg":"round sleeping"'), "the first round");
    collector.child.kill("SIGTERM");
    expect(await collector.exited).toEqual({ code: 0, signal: null });
    expect(counterSeqs(await readStream(nats.url), "sigterm")).toEqual([1]);
  });

  it("--once on SIGTERM aborts a round that will not finish, exits 0 and logs no error", async () => {
    const collector = spawnCollector(
      counterCollector,
      {
        PM_NATS_URL: nats.url,
        PM_RUN: "once-sigterm",
        PM_ROUND_SLEEP: "120s",
        PM_ROUND_TIMEOUT: "200s",
        PM_SHUTDOWN_TIMEOUT: "1s",
      },
      ["--once"],
    );
    await waitFor(() => collector.output().includes('"msg":"round sleeping"'), "the round");
    collector.child.kill("SIGTERM");
    expect(await collector.exited).toEqual({ code: 0, signal: null });
    // A normal stop is no failure: said at info level, and nothing at error level (50) or above.
    expect(collector.output()).toMatch(/"level":30,.*"msg":"round cut short by the shutdown/);
    expect(collector.output()).not.toMatch(/"level":(50|60)/);
  });

  it("--once runs one round, flushes and exits 0", async () => {
    const collector = spawnCollector(
      counterCollector,
      { PM_NATS_URL: nats.url, PM_RUN: "once", PM_POINTS_PER_ROUND: "3" },
      ["--once"],
    );
    expect((await collector.exited).code).toBe(0);
    expect(counterSeqs(await readStream(nats.url), "once")).toEqual([1, 2, 3]);
  });

  it("--once exits 1 when the points cannot be delivered in time", async () => {
    const collector = spawnCollector(
      counterCollector,
      { PM_NATS_URL: "nats://127.0.0.1:1", PM_SHUTDOWN_TIMEOUT: "500ms" },
      ["--once"],
    );
    expect((await collector.exited).code).toBe(1);
    expect(collector.output()).toMatch(
      /points not delivered within PM_SHUTDOWN_TIMEOUT, lost \(no PM_SPOOL_DIR\)/,
    );
  });

  it("writes line protocol to stdout or a file with no server", async () => {
    const stdout = spawnCollector(counterCollector, { PM_SINK: "stdout", PM_RUN: "out" }, ["--once"]);
    expect((await stdout.exited).code).toBe(0);
    expect(stdout.output()).toMatch(/^test_counter,org=platform,run=out,source=counter seq=1i \d+$/m);

    const file = join(mkdtempSync(join(tmpdir(), "pm-sink-")), "points.lp");
    const toFile = spawnCollector(counterCollector, { PM_SINK: `file:${file}`, PM_RUN: "file" }, ["--once"]);
    expect((await toFile.exited).code).toBe(0);
    expect(readFileSync(file, "utf8")).toMatch(
      /^test_counter,org=platform,run=file,source=counter seq=1i \d+$/m,
    );
  });

  it("stops at start with a message naming each bad variable", async () => {
    const collector = spawnCollector(counterCollector, {
      PM_INTERVAL: "fast",
      PM_POINTS_PER_ROUND: "many",
      PM_SINK: "kafka",
    });
    expect((await collector.exited).code).toBe(2);
    const output = collector.output();
    expect(output).toMatch(/PM_INTERVAL: expected a duration/);
    expect(output).toMatch(/PM_POINTS_PER_ROUND: /);
    expect(output).toMatch(/PM_SINK: expected nats, stdout or file:<path>/);
  });

  it("runs the refinements of the collector's own config at start and exits 2 with their message", async () => {
    const collector = spawnCollector(counterCollector, { PM_RUN: "none", PM_SINK: "stdout" });
    expect((await collector.exited).code).toBe(2);
    expect(collector.output()).toMatch(/invalid configuration:\s+PM_RUN: expected a run name, not none/);
    expect(collector.output()).not.toMatch(/test_counter/);
  });

  it("refuses unknown flags and prints usage with --help", async () => {
    const bad = spawnCollector(counterCollector, {}, ["--frobnicate"]);
    expect((await bad.exited).code).toBe(2);
    expect(bad.output()).toMatch(/Unknown option '--frobnicate'/);
    const help = spawnCollector(counterCollector, {}, ["--help"]);
    expect((await help.exited).code).toBe(0);
    expect(help.output()).toMatch(/Usage: pm-collector-counter/);
    expect(help.output()).toMatch(/PM_POINTS_PER_ROUND/);
  });

  it("serves /healthz and /readyz", async () => {
    const collector = spawnCollector(counterCollector, { PM_NATS_URL: nats.url, PM_RUN: "health" });
    await waitFor(() => /"httpPort":(\d+)/.test(collector.output()), "start");
    const port = /"httpPort":(\d+)/.exec(collector.output())![1];
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, "ready");
    collector.child.kill("SIGTERM");
    expect((await collector.exited).code).toBe(0);
  });
});
