import { setTimeout as sleep } from "node:timers/promises";
import type { JetStreamClient } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { DEADLETTER_REASON_HEADER, deadLetterSubject } from "@platform-metrics/sdk/contracts";
import type { RefusedLine } from "./influx/write-lines.js";
import type { StreamMessage } from "./stream-message.js";
import type { ValidatedMessage } from "./validate.js";

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

/**
 * publishDeadLetters, tried 5 times (200 ms more wait each time) before it gives up; `stopping` ends
 * the attempts early at shutdown.
 */
export async function publishDeadLettersWithRetry(
  js: JetStreamClient,
  letters: readonly DeadLetter[],
  stopping: () => boolean,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await publishDeadLetters(js, letters);
      return;
    } catch (error) {
      if (attempt >= 5 || stopping())
        throw new Error(`cannot publish ${letters.length} dead letters: ${(error as Error).message}`);
      await sleep(200 * attempt);
    }
  }
}

/** The lines of a message that the relay itself refused (validate.ts), one letter each. */
export function rejectedLetters(message: StreamMessage, result: ValidatedMessage): DeadLetter[] {
  return result.rejected.map((rejected, i) => ({
    subject: message.subject,
    raw: rejected.raw,
    reason: rejected.reason,
    id: `relay-${message.seq}-${i}`,
  }));
}

/** The lines one replica refused: `where` maps a line of the batch to its message and its line there. */
export function refusedLetters(
  refused: readonly RefusedLine[],
  messages: readonly StreamMessage[],
  where: (index: number) => [number, number],
  lines: readonly string[],
  replica: string,
): DeadLetter[] {
  return refused.map(({ index, reason }) => {
    const [m, line] = where(index);
    const message = messages[m]!;
    return {
      subject: message.subject,
      raw: lines[index]!,
      reason,
      // Stable across redeliveries, whatever batch the message lands in.
      id: `relay-${message.seq}-${replica}-${line}`,
      replica,
    };
  });
}
