import { PLATFORM_ORG } from "@platform-metrics/sdk/contracts";
import { commonConfigSchema, createSink, type Logger, type Sink } from "@platform-metrics/sdk/service";
import type { GatewayConfig } from "../config.js";
import type { ReplicaStatus } from "../influx/replicas.js";
import type { GatewayCounters } from "./counters.js";
import { gatewayLine } from "./gateway-line.js";

/**
 * On shutdown, the last point's wait for NATS: bounded, so a stop never hangs on it, and within the
 * Deployment's 20 s grace period after in-flight queries (PM_GATEWAY_QUERY_TIMEOUT, 10 s) have ended.
 */
const FLUSH_TIMEOUT_MS = 5000;

export interface SelfMetrics {
  /** Publishes the last point and waits (briefly) until it is delivered. */
  stop(): Promise<void>;
}

/**
 * pm_gateway every PM_METRICS_INTERVAL to metrics.platform.gateway, through the SDK's NATS sink (its
 * buffer holds the points while NATS is away). Off without PM_NATS_URL: the gateway needs no NATS.
 */
export async function startSelfMetrics(
  config: GatewayConfig,
  counters: GatewayCounters,
  replicas: () => ReplicaStatus[],
  log: Logger,
): Promise<SelfMetrics> {
  if (!config.natsUrl) {
    log.info("PM_NATS_URL not set: pm_gateway self-metrics are off");
    return { stop: async () => {} };
  }
  const sinkConfig = commonConfigSchema.parse({
    natsUrl: config.natsUrl,
    natsUser: config.natsUser,
    natsPassword: config.natsPassword,
    natsToken: config.natsToken,
    podName: config.podName,
  });
  const sink: Sink = await createSink(sinkConfig, "gateway", log);
  const publish = () => {
    try {
      sink.write(PLATFORM_ORG, [gatewayLine(counters, replicas(), { pod: config.podName })]);
    } catch (error) {
      log.error({ err: (error as Error).message }, "could not build the pm_gateway point");
    }
  };
  const timer = setInterval(publish, config.metricsInterval);
  timer.unref();
  log.info({ servers: config.natsUrl, interval: config.metricsInterval }, "publishing pm_gateway");
  return {
    async stop() {
      clearInterval(timer);
      publish();
      const { pendingPoints } = await sink.flush(FLUSH_TIMEOUT_MS);
      if (pendingPoints > 0) log.warn({ pendingPoints }, "pm_gateway points not delivered before stop");
      await sink.close();
    },
  };
}
