import { AckPolicy, DeliverPolicy, type JetStreamManager } from "@nats-io/jetstream";
import { METRICS_STREAM } from "@platform-metrics/sdk/contracts";
import type { Logger } from "@platform-metrics/sdk/service";

/**
 * The durable pull consumer of one replica, `relay-<replica>`: it remembers how far that replica got,
 * so a replica that was down catches up from the stream, and every relay process shares it.
 *
 * No filter subject: the stream holds only `metrics.>` anyway, and nats-server 2.9 delivers to a
 * consumer filtered on `metrics.>` about ten times slower once the stream has many subjects (20,000
 * one-line messages on 12 subjects: 12 s instead of 1.6 s).
 */
export async function replicaConsumer(
  jsm: JetStreamManager,
  replica: string,
  options: { maxAckPending: number; ackWaitMs: number },
  log: Logger,
): Promise<void> {
  const durable = `relay-${replica}`;
  try {
    const info = await jsm.consumers.info(METRICS_STREAM, durable);
    if (info.config.filter_subject)
      log.warn(
        { consumer: durable, filterSubject: info.config.filter_subject },
        "this consumer has a filter subject, which makes nats-server 2.9 deliver slowly on a stream of many subjects; recreate it without one when convenient",
      );
  } catch (error) {
    if (!/consumer not found/i.test((error as Error).message)) throw error;
    await jsm.consumers.add(METRICS_STREAM, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: options.maxAckPending,
      ack_wait: options.ackWaitMs * 1_000_000,
    });
  }
}
