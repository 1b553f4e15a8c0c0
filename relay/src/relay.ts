import { setTimeout as sleep } from "node:timers/promises";
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { metricsSubject, PLATFORM_ORG } from "@platform-metrics/sdk/contracts";
import { InfluxV1Client } from "@platform-metrics/sdk/influx";
import { type HealthServer, type Logger, startHealthServer } from "@platform-metrics/sdk/service";
import type { RelayConfig } from "./config.js";
import { RELAY_INBOX_PREFIX } from "./inbox.js";
import { NatsState } from "./nats-state.js";
import { ReplicaPipeline } from "./replica-pipeline.js";
import { relayPoints } from "./self-metrics.js";
import { ensureStreams } from "./streams.js";
import { ValidationCache } from "./validate.js";

export interface Relay {
  pipelines: ReplicaPipeline[];
  healthPort: number;
  /** Stops fetching, finishes in-flight writes and acks, closes connections. */
  stop(): Promise<void>;
}

/**
 * Runs one step of the start again, with backoff, until it succeeds, `retryable` says an error is a
 * refusal (which ends the start), or the relay is stopped. Each retry is logged with `what`, so a
 * relay that waits says on what.
 */
async function retryStartStep<T>(
  what: string,
  step: () => Promise<T>,
  retryable: (error: Error) => boolean,
  log: Logger,
  signal: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (signal.aborted || !retryable(error as Error)) throw error;
      const waitMs = Math.min(10_000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2);
      log.warn(
        { err: (error as Error).message, attempt, retryInMs: Math.round(waitMs) },
        `${what}; retrying`,
      );
      await sleep(waitMs);
    }
  }
}

function connectNats(config: RelayConfig, log: Logger, signal: AbortSignal): Promise<NatsConnection> {
  return retryStartStep(
    `cannot connect to NATS (${config.natsUrl.join(", ")})`,
    () =>
      connect({
        servers: config.natsUrl,
        user: config.natsUser,
        pass: config.natsPassword,
        token: config.natsToken,
        name: ["relay", config.podName].filter(Boolean).join("/"),
        inboxPrefix: RELAY_INBOX_PREFIX,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
      }),
    () => true,
    log,
    signal,
  );
}

/**
 * JetStream's API can be slow to answer while a cluster elects its leaders or places a replicated
 * stream, above all on a busy machine (seen: a 3-node cluster creating an R3 stream took more than
 * the client's 5 s), or while a node of the cluster is down: retried while /readyz says not ready,
 * rather than ending the relay. A refusal (a stream of another shape, a server without JetStream)
 * still ends the start. The one kind of error told apart from a refusal: no answer (yet), or one that
 * says the cluster is not whole ("no suitable peers for placement").
 */
function jetStreamBusy(error: Error): boolean {
  return (
    ["TimeoutError", "NoRespondersError", "RequestError"].includes(error.name) ||
    /timeout|timed out|no responders|temporarily unavailable|no suitable peers|\b503\b/i.test(error.message)
  );
}

export async function startRelay(config: RelayConfig, log: Logger): Promise<Relay> {
  const shutdown = new AbortController();
  const pipelines: ReplicaPipeline[] = [];
  const clients = config.influxUrls.map(
    (replica) =>
      new InfluxV1Client(replica, {
        db: config.influxDb,
        username: config.influxUsername,
        password: config.influxPassword,
        timeoutMs: config.writeTimeout,
        gzip: config.influxGzip,
        rp: config.influxRp,
      }),
  );
  const nats = new NatsState(log);
  const health: HealthServer = await startHealthServer({
    port: config.httpPort,
    ready: () => {
      const writable = pipelines.filter((p) => p.stats.writable).map((p) => p.stats.replica);
      const ok = nats.state === "connected" && pipelines.length > 0 && writable.length > 0;
      return { ok, detail: { nats: nats.state, writable } };
    },
  });

  log.info({ httpPort: health.port, servers: config.natsUrl }, "health endpoints up; connecting to NATS");
  const connection = await connectNats(config, log, shutdown.signal);
  nats.follow(connection).catch((error: Error) => log.error({ err: error.message }, "NATS status lost"));
  const js: JetStreamClient = jetstream(connection);
  const jsm: JetStreamManager = await retryStartStep(
    "JetStream did not answer the stream setup",
    async () => {
      const manager = await jetstreamManager(connection);
      await ensureStreams(
        manager,
        {
          retentionMs: config.retention,
          maxBytes: config.streamMaxBytes,
          replicas: config.streamReplicas,
          update: config.updateStream,
        },
        log,
      );
      return manager;
    },
    jetStreamBusy,
    log,
    shutdown.signal,
  );

  const cache = new ValidationCache(clients.length);
  const running = clients.map(async (client) => {
    const pipeline = new ReplicaPipeline(client, connection, js, jsm, cache, config, log);
    pipelines.push(pipeline);
    while (!shutdown.signal.aborted) {
      try {
        await pipeline.run();
      } catch (error) {
        if (shutdown.signal.aborted) break;
        pipeline.stats.errors++;
        log.error(
          { replica: client.replica.name, err: (error as Error).message },
          "replica pipeline failed; restarting it",
        );
        await sleep(1000);
      }
    }
  });

  const metricsTimer = setInterval(() => {
    relayPoints(
      jsm,
      pipelines.map((p) => p.stats),
      { pod: config.podName },
    )
      .then((lines) => js.publish(metricsSubject(PLATFORM_ORG, "relay"), lines.join("\n")))
      .catch((error: Error) => log.debug({ err: error.message }, "could not publish pm_relay"));
  }, config.metricsInterval);
  metricsTimer.unref();
  log.info(
    { replicas: config.influxUrls.map((r) => r.name), db: config.influxDb, httpPort: health.port },
    "relay started",
  );

  return {
    pipelines,
    healthPort: health.port,
    async stop() {
      shutdown.abort();
      clearInterval(metricsTimer);
      await Promise.all(pipelines.map((p) => p.stop()));
      await Promise.race([Promise.all(running), sleep(config.shutdownTimeout)]);
      await connection.drain().catch(() => {});
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await health.close();
    },
  };
}
