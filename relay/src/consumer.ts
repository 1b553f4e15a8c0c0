import {
  AckPolicy,
  type Consumer,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";

export const STREAM = "METRICS";

/**
 * The durable pull consumer of one replica, `relay-<replica>`: it remembers how far that replica got,
 * so a replica that was down catches up from the stream, and every relay process shares it.
 */
export async function replicaConsumer(
  js: JetStreamClient,
  jsm: JetStreamManager,
  replica: string,
  options: { maxAckPending: number; ackWaitMs: number },
): Promise<Consumer> {
  const durable = `relay-${replica}`;
  try {
    await jsm.consumers.info(STREAM, durable);
  } catch (error) {
    if (!/consumer not found/i.test((error as Error).message)) throw error;
    await jsm.consumers.add(STREAM, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: "metrics.>",
      max_ack_pending: options.maxAckPending,
      ack_wait: options.ackWaitMs * 1_000_000,
    });
  }
  return js.consumers.get(STREAM, durable);
}
