import type { JetStreamClient } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { DEADLETTER_REASON_HEADER, deadLetterSubject } from "@platform-metrics/sdk/contracts";

export interface DeadLetter {
  subject: string;
  raw: Uint8Array | string;
  reason: string;
  /** Stable across redeliveries and relay instances, so the DEADLETTER stream stores it once. */
  id: string;
  replica?: string;
}

/** Publishes each refused line, unchanged, to `deadletter.<original subject>` with the reason in a header. */
export async function publishDeadLetters(js: JetStreamClient, letters: readonly DeadLetter[]): Promise<void> {
  await Promise.all(
    letters.map((letter) => {
      const h = headers();
      // Header values are one line; keep InfluxDB's or the parser's message readable and bounded.
      h.set(DEADLETTER_REASON_HEADER, letter.reason.replace(/[\r\n]+/g, " ").slice(0, 1000));
      if (letter.replica) h.set("Pm-Replica", letter.replica);
      return js.publish(deadLetterSubject(letter.subject), letter.raw, {
        msgID: letter.id,
        headers: h,
        timeout: 10_000,
      });
    }),
  );
}
