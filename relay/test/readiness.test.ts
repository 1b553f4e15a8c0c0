import { createLogger } from "@platform-metrics/sdk/service";
import { type Influx, type NatsServer, startInflux, startNats } from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRelayConfig } from "../src/config.js";
import { type Relay, startRelay } from "../src/relay.js";
import { until } from "./helpers.js";

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
