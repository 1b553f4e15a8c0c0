import { errors, headers, type NatsConnection } from "@nats-io/transport-node";

export interface PubAck {
  stream: string;
  seq: number;
  /** The stream already had a message with this id (a retried publish): it was not stored again. */
  duplicate: boolean;
}

const decoder = new TextDecoder();

/**
 * Publishes one message to JetStream and waits for the stream's ack: a request with a `Nats-Msg-Id`
 * header, answered by the stream with a JSON ack. This is all `@nats-io/jetstream`'s `publish` does
 * for us; doing it here keeps that package (and its consumer, KV and object-store code, about 1 MB
 * resident) out of every collector. With no stream on the subject, the request fails with "no
 * responders": that becomes a StreamMissingError that says so. The sink treats every failure alike
 * (buffer, back off, retry with the same id).
 */
export async function publishToStream(
  nc: NatsConnection,
  subject: string,
  payload: string | Uint8Array,
  msgId: string,
  timeoutMs: number,
): Promise<PubAck> {
  const h = headers();
  h.set("Nats-Msg-Id", msgId);
  let reply: Awaited<ReturnType<NatsConnection["request"]>>;
  try {
    reply = await nc.request(subject, payload, { headers: h, timeout: timeoutMs });
  } catch (error) {
    if (error instanceof errors.RequestError && error.isNoResponders()) throw new StreamMissingError(subject);
    throw error;
  }
  return parsePubAck(reply.data);
}

/** Connected, but no JetStream stream stores the subject (NATS answered "no responders"). */
export class StreamMissingError extends Error {
  override name = "StreamMissingError";
  constructor(readonly subject: string) {
    super(
      `no JetStream stream stores ${subject} (NATS answered no responders): the METRICS stream is missing; the relay creates it when it starts`,
    );
  }
}

/** The stream's answer: `{"stream":"METRICS","seq":7,"duplicate":true}` or `{"error":{...}}`. */
export function parsePubAck(data: Uint8Array): PubAck {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    throw new Error(`JetStream answered with something that is not JSON (${data.length} bytes)`);
  }
  const ack = value as { stream?: unknown; seq?: unknown; duplicate?: unknown; error?: unknown };
  if (ack.error !== undefined) {
    const error = ack.error as { code?: unknown; err_code?: unknown; description?: unknown };
    throw new Error(
      `JetStream refused the message: ${String(error.description ?? "no description")} (code ${String(error.code)}, err_code ${String(error.err_code)})`,
    );
  }
  if (typeof ack.stream !== "string" || ack.stream === "" || typeof ack.seq !== "number") {
    throw new Error("JetStream answered with an invalid ack (no stream or sequence)");
  }
  return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate === true };
}
