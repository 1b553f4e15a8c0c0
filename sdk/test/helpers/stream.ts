import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";

export async function withNats<T>(url: string, fn: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: url });
  try {
    return await fn(nc);
  } finally {
    await nc.close();
  }
}

export async function createMetricsStream(url: string): Promise<void> {
  await withNats(url, async (nc) => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "METRICS", subjects: ["metrics.>"], duplicate_window: 120_000_000_000 });
  });
}

export interface StoredMessage {
  subject: string;
  lines: string[];
  msgId: string | undefined;
}

/** Every message of stream METRICS, in order. */
export async function readStream(url: string): Promise<StoredMessage[]> {
  return withNats(url, async (nc) => {
    const jsm = await jetstreamManager(nc);
    const { state } = await jsm.streams.info("METRICS");
    const consumer = await jetstream(nc).consumers.get("METRICS");
    const messages: StoredMessage[] = [];
    if (state.messages === 0) return messages;
    const iterator = await consumer.fetch({ max_messages: state.messages, expires: 5000 });
    for await (const message of iterator) {
      messages.push({
        subject: message.subject,
        lines: message.string().split("\n"),
        msgId: message.headers?.get("Nats-Msg-Id"),
      });
      if (messages.length === state.messages) break;
    }
    return messages;
  });
}

/** The `seq` field of each test_counter line of one run, in stream order. */
export function counterSeqs(messages: StoredMessage[], run: string): number[] {
  const seqs: number[] = [];
  for (const line of messages.flatMap((m) => m.lines)) {
    if (!line.startsWith(`test_counter,`) || !line.includes(`run=${run},`)) continue;
    seqs.push(Number(/ seq=(\d+)i/.exec(line)![1]));
  }
  return seqs;
}

/** The fields of the last pm_collector line (undefined when there is none yet). */
export function lastSelfMetrics(messages: StoredMessage[]): Record<string, number> | undefined {
  const line = messages
    .flatMap((m) => m.lines)
    .filter((l) => l.startsWith("pm_collector,"))
    .at(-1);
  if (line === undefined) return undefined;
  const fields = line.split(" ")[1]!;
  return Object.fromEntries(
    fields
      .split(",")
      .map((kv) => kv.split("="))
      .map(([k, v]) => [k, Number.parseFloat(v!)]),
  );
}
