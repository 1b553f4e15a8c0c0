import { createLogger } from "@platform-metrics/sdk/service";
import {
  freePort,
  type Influx,
  type NatsCluster,
  type NatsServer,
  startInflux,
  startNats,
  startNatsCluster,
} from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRelayConfig } from "../src/config.js";
import { type Relay, startRelay } from "../src/relay.js";
import { spawnRelay, until } from "./helpers.js";

interface LogLine {
  level: number;
  msg: string;
}

/** A logger whose lines the test reads. */
function capturingLogger(): { log: ReturnType<typeof createLogger>; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = createLogger({
    name: "relay-readiness-test",
    level: "info",
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  return { log, lines };
}

describe("relay readiness follows the NATS connection", () => {
  let nats: NatsServer;
  let influx: Influx;
  let relay: Relay | undefined;
  beforeAll(async () => {
    [nats, influx] = await Promise.all([startNats(), startInflux()]);
  });
  afterAll(async () => {
    await relay?.stop();
    await Promise.all([nats?.close(), influx?.close()]);
  });

  it("is not ready while NATS is stopped, says so in the log, and is ready again after it restarts", async () => {
    const { log, lines } = capturingLogger();
    const config = loadRelayConfig({
      env: {
        PM_NATS_URL: nats.url,
        PM_INFLUX_URLS: `a=${influx.url}`,
        PM_HTTP_PORT: "0",
        PM_LOG_LEVEL: "info",
      },
    });
    relay = await startRelay(config, log);
    const readyz = async () => {
      const response = await fetch(`http://127.0.0.1:${relay!.healthPort}/readyz`);
      return { status: response.status, body: (await response.json()) as { nats: string } };
    };
    const logged = (msg: string) => lines.some((line) => line.msg === msg);

    await until(async () => (await readyz()).status === 200, "the relay to be ready");
    expect((await readyz()).body.nats).toBe("connected");

    await nats.stop();
    await until(async () => (await readyz()).status === 503, "/readyz 503 while NATS is stopped");
    expect((await readyz()).body.nats).toBe("disconnected");
    await until(() => logged("disconnected from NATS; not ready until reconnected"), "the disconnect logged");
    expect(lines.find((line) => line.msg.startsWith("disconnected from NATS"))!.level).toBe(40);

    await nats.start();
    await until(async () => (await readyz()).status === 200, "/readyz 200 after NATS restarted");
    expect((await readyz()).body.nats).toBe("connected");
    await until(() => logged("reconnected to NATS"), "the reconnect logged");
  });
});

describe("relay start while a NATS cluster's JetStream cannot answer", () => {
  let cluster: NatsCluster;
  let influx: Influx;
  beforeAll(async () => {
    [cluster, influx] = await Promise.all([startNatsCluster(), startInflux()]);
  });
  afterAll(async () => {
    await Promise.all([cluster?.close(), influx?.close()]);
  });

  it("keeps trying with backoff, not ready meanwhile, and starts once the cluster has a quorum again", async () => {
    // One node of three: no JetStream leader can be elected, so every JetStream request goes unanswered,
    // as while a busy cluster elects its leaders or places a new R3 stream.
    const [, second, third] = cluster.nodes;
    await Promise.all([second!.stop(), third!.stop()]);
    const port = await freePort();
    const relay = spawnRelay({
      PM_NATS_URL: cluster.nodes[0]!.url,
      PM_INFLUX_URLS: `a=${influx.url}`,
      PM_HTTP_PORT: String(port),
      PM_STREAM_REPLICAS: "3",
      PM_LOG_LEVEL: "info",
    });
    try {
      const retries = () =>
        relay.output().match(/JetStream did not answer the stream setup; retrying/g) ?? [];
      // Two retries: it went on past the first failure, which used to end the start ("cannot start").
      await until(
        () => retries().length >= 2 || relay.child.exitCode !== null,
        "two retries logged",
        180_000,
      );
      expect(relay.child.exitCode, relay.output()).toBeNull();
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);

      await Promise.all([second!.start(), third!.start()]);
      await until(
        () => relay.output().includes('"msg":"relay started"') || relay.child.exitCode !== null,
        "the relay to start once the cluster has a quorum",
        180_000,
      );
      expect(relay.output()).not.toContain("cannot start");
      await until(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, "/readyz 200");
    } finally {
      relay.child.kill("SIGKILL");
      await relay.exited;
    }
  });
});
