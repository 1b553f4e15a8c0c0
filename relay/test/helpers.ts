import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { createLogger, silentLogger } from "@platform-metrics/sdk/service";
import { type Influx, type NatsServer, startInflux, startNats, waitFor } from "@platform-metrics/testing";
import { loadRelayConfig, type RelayConfig } from "../src/config.js";
import { type Relay, startRelay } from "../src/relay.js";

export const DB = "platform_metrics";

export interface Servers {
  nats: NatsServer;
  a: Influx;
  b: Influx;
  close(): Promise<void>;
}

export async function startServers(options: { auth?: boolean } = {}): Promise<Servers> {
  const [nats, a, b] = await Promise.all([
    startNats(),
    startInflux({ auth: options.auth }),
    startInflux({ auth: options.auth }),
  ]);
  return { nats, a, b, close: async () => void (await Promise.all([nats.close(), a.close(), b.close()])) };
}

export function relayEnv(servers: Servers, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PM_NATS_URL: servers.nats.url,
    PM_INFLUX_URLS: `a=${servers.a.url},b=${servers.b.url}`,
    PM_HTTP_PORT: "0",
    PM_BATCH_MAX_DELAY: "50ms",
    PM_MAX_RETRY_DELAY: "1s",
    // Short, so the SIGKILL test does not wait long for what the killed relay held.
    PM_ACK_WAIT: "5s",
    PM_PREFETCH_MESSAGES: "64",
    // A write to an influxd on a loaded machine may take longer than the 10 s default; a write
    // timed out would only be sent again, as slowly.
    PM_WRITE_TIMEOUT: "60s",
    PM_LOG_LEVEL: "warn",
    ...extra,
  };
}

export async function startTestRelay(
  servers: Servers,
  extra: Record<string, string> = {},
): Promise<{ relay: Relay; config: RelayConfig }> {
  const config = loadRelayConfig({ env: relayEnv(servers, extra) });
  // PM_TEST_LOG=debug shows the in-process relay's log while a test is investigated.
  const log = process.env.PM_TEST_LOG
    ? createLogger({ name: "relay-test", level: process.env.PM_TEST_LOG })
    : silentLogger;
  return { relay: await startRelay(config, log), config };
}

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

export interface RelayProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Everything it logged so far. */
  output: () => string;
}

/** pm-relay as its own process (the built bin), as a pod runs it: it can be SIGKILLed. */
export function spawnRelay(env: Record<string, string>): RelayProcess {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
  const child = spawn(process.execPath, [BIN], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** `url`: one server or several, comma-separated (a cluster). */
export async function withNats<T>(url: string, fn: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: url.split(","), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  try {
    return await fn(nc);
  } finally {
    await nc.close();
  }
}

/**
 * Publishes messages with ids, as a collector does, up to `inFlight` at once (one at a time, 20,000
 * one-line messages took 20 s of a loaded machine): each waits for the stream's ack and is retried
 * (same id, so the stream stores it once) through a NATS restart or a cluster's leader election, for
 * up to a minute per message.
 */
export async function publish(
  url: string,
  messages: { subject: string; payload: string | Uint8Array; id?: string }[],
  inFlight = 64,
): Promise<void> {
  await withNats(url, async (nc) => {
    const js = jetstream(nc);
    const publishOne = async (message: (typeof messages)[number]) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await js.publish(message.subject, message.payload, {
            ...(message.id ? { msgID: message.id } : {}),
            timeout: 10_000,
          });
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    };
    let next = 0;
    const lane = async () => {
      while (next < messages.length) await publishOne(messages[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, messages.length) }, lane));
  });
}

/** `count` points of measurement relay_test for `org`, in messages of `perMessage` lines. */
/** An hour ago in nanoseconds: inside the 72 h retention policy the relay creates. */
export const RECENT = BigInt(Date.now() - 3_600_000) * 1_000_000n;

export function points(org: string, source: string, count: number, perMessage: number, base = RECENT) {
  const messages: { subject: string; payload: string; id: string }[] = [];
  for (let start = 0; start < count; start += perMessage) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(count, start + perMessage); i++) {
      lines.push(`relay_test,source=${source},host=h${i % 50} v=${i}i ${base + BigInt(i)}`);
    }
    messages.push({
      subject: `metrics.${org}.${source}`,
      payload: lines.join("\n"),
      id: `${org}-${source}-${base}-${start}`,
    });
  }
  return messages;
}

export async function countOrg(influx: Influx, org: string, measurement = "relay_test"): Promise<number> {
  try {
    return await influx.countPoints(DB, measurement, { field: "v", where: `"org" = '${org}'` });
  } catch (error) {
    // Dropped by a test and not yet created again by the relay: nothing there yet.
    if (/database not found|retention policy not found/.test((error as Error).message)) return 0;
    throw error;
  }
}

/**
 * Waits until `condition` holds. An error from it counts as "not yet": on a busy cluster a JetStream
 * API request can time out while the stream's leader moves, which is the kind of moment these tests
 * wait through.
 */
export async function until(
  condition: () => Promise<boolean> | boolean,
  what: string,
  limitMs = 120_000,
): Promise<void> {
  await waitFor(what, async () => (await condition()) || undefined, { timeoutMs: limitMs, everyMs: 200 });
}

export interface DeadLetterRecord {
  subject: string;
  data: string;
  reason: string | undefined;
  replica: string | undefined;
}

export async function readDeadLetters(url: string): Promise<DeadLetterRecord[]> {
  return withNats(url, async (nc) => {
    const jsm = await jetstreamManager(nc);
    const { state } = await jsm.streams.info("DEADLETTER");
    if (state.messages === 0) return [];
    const consumer = await jetstream(nc).consumers.get("DEADLETTER");
    const out: DeadLetterRecord[] = [];
    for await (const m of await consumer.fetch({ max_messages: state.messages, expires: 5000 })) {
      out.push({
        subject: m.subject,
        data: new TextDecoder().decode(m.data),
        reason: m.headers?.get("Pm-Deadletter-Reason"),
        replica: m.headers?.get("Pm-Replica") || undefined,
      });
      if (out.length === state.messages) break;
    }
    return out;
  });
}

export { headers };
