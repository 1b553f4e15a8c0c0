import type { InfluxAnswer, InfluxV1Client } from "@platform-metrics/sdk/influx";
import { LineProtocolError, parseLine } from "@platform-metrics/sdk/line-protocol";

export interface RefusedLine {
  /** Index into the lines given to `writeLines`. */
  index: number;
  reason: string;
}

export type WriteOutcome =
  /** Every line is stored, except `refused`, which InfluxDB will never take. */
  | { kind: "stored"; refused: RefusedLine[] }
  /** Nothing to learn from the lines: try again later (network, timeout, 5xx, 429). */
  | { kind: "retry"; reason: string }
  /** The database or retention policy is missing: bootstrap, then try again. */
  | { kind: "missing-target"; reason: string }
  /** Credentials or permissions: no retry will help until an operator acts. */
  | { kind: "fatal"; reason: string };

const TYPE_CONFLICT =
  /field type conflict: input field "(.+?)" on measurement "(.+?)" is type \w+, already exists as type (\w+)/;
const UNABLE_TO_PARSE = /unable to parse '(.+?)': /s;
const MAX_ROUNDS = 16;

/**
 * Writes lines to one replica. A 400 partial write stores the good lines and names at most one kind of
 * refused line: those are found from InfluxDB's message (a field type conflict names the measurement,
 * the field and the type it already has; a parse error quotes the line) and set aside, and the rest is
 * written again, which is harmless because a write of the same points is idempotent. When the message
 * names no line (points beyond retention, limits), the batch is halved until each refused line stands
 * alone. A body too large is halved too. Nothing refused is ever retried.
 */
export async function writeLines(client: InfluxV1Client, lines: readonly string[]): Promise<WriteOutcome> {
  const refused: RefusedLine[] = [];
  const all = Array.from(lines, (_, index) => index);
  const outcome = await writeIsolating(client, lines, all, refused);
  return outcome ?? { kind: "stored", refused };
}

/**
 * Like writeLines, but first sends `body` (the lines already joined and encoded, shared by every
 * replica); the lines themselves are only built when InfluxDB refuses some and they must be told apart.
 */
export async function writeBody(
  client: InfluxV1Client,
  body: Buffer,
  lines: () => readonly string[],
): Promise<WriteOutcome> {
  let answer: InfluxAnswer;
  try {
    answer = await client.write(body);
  } catch (error) {
    return { kind: "retry", reason: `${client.replica.name}: ${(error as Error).message}` };
  }
  if (answer.status === 204 || answer.status === 200) return { kind: "stored", refused: [] };
  if (answer.status !== 400 && answer.status !== 413) {
    const failure = failureOf(client, answer);
    if (failure) return failure;
  }
  return writeLines(client, lines());
}

/** What a refused write means, apart from 400 and 413, which say something about the lines. */
function failureOf(client: InfluxV1Client, answer: InfluxAnswer): Failure | undefined {
  const reason = `${client.replica.name}: HTTP ${answer.status}: ${answer.message}`;
  if (answer.status === 401 || answer.status === 403) return { kind: "fatal", reason };
  if (answer.status === 404 && /database not found/.test(answer.message))
    return { kind: "missing-target", reason };
  if (answer.status === 500 && /retention policy not found/.test(answer.message))
    return { kind: "missing-target", reason };
  if (answer.status !== 400 && answer.status !== 413) return { kind: "retry", reason };
  return undefined;
}

type Failure = Exclude<WriteOutcome, { kind: "stored" }>;

/** Writes `lines[i]` for each i in `indexes`; refused ones are added to `refused`. */
async function writeIsolating(
  client: InfluxV1Client,
  lines: readonly string[],
  indexes: readonly number[],
  refused: RefusedLine[],
): Promise<Failure | undefined> {
  let pending = indexes;
  for (let round = 0; round < MAX_ROUNDS && pending.length > 0; round++) {
    let answer: InfluxAnswer;
    try {
      answer = await client.write(pending.length === lines.length ? lines : pending.map((i) => lines[i]!));
    } catch (error) {
      return { kind: "retry", reason: `${client.replica.name}: ${(error as Error).message}` };
    }
    if (answer.status === 204 || answer.status === 200) return undefined;
    const failure = failureOf(client, answer);
    if (failure) return failure;
    if (answer.status === 413)
      return halve(
        client,
        lines,
        pending,
        refused,
        "HTTP 413: the line alone is above InfluxDB's max-body-size",
      );

    const named = namedByMessage(lines, pending, answer.message);
    if (named.size === 0) return halve(client, lines, pending, refused, answer.message);
    for (const index of named) refused.push({ index, reason: answer.message });
    pending = pending.filter((index) => !named.has(index));
  }
  // Far more kinds of refusal than one batch should hold: split it, which ends at single lines.
  return pending.length > 0 ? halve(client, lines, pending, refused, "refused by InfluxDB") : undefined;
}

async function halve(
  client: InfluxV1Client,
  lines: readonly string[],
  indexes: readonly number[],
  refused: RefusedLine[],
  reason: string,
): Promise<Failure | undefined> {
  if (indexes.length === 1) {
    refused.push({ index: indexes[0]!, reason });
    return undefined;
  }
  const middle = Math.ceil(indexes.length / 2);
  for (const half of [indexes.slice(0, middle), indexes.slice(middle)]) {
    const outcome = await writeIsolating(client, lines, half, refused);
    if (outcome) return outcome;
  }
  return undefined;
}

/** Those of `indexes` whose lines InfluxDB's partial-write message is about. */
export function namedByMessage(
  lines: readonly string[],
  indexes: readonly number[],
  message: string,
): Set<number> {
  const named = new Set<number>();
  const conflict = TYPE_CONFLICT.exec(message);
  if (conflict) {
    const [, field, measurement, existing] = conflict as unknown as [string, string, string, string];
    for (const index of indexes) {
      try {
        const parsed = parseLine(lines[index]!);
        const value = parsed.fields[field];
        if (parsed.measurement === measurement && value && value.type !== existing) named.add(index);
      } catch (error) {
        if (!(error instanceof LineProtocolError)) throw error;
      }
    }
  }
  const unparsable = UNABLE_TO_PARSE.exec(message);
  if (unparsable) {
    const index = indexes.find((i) => lines[i] === unparsable[1]);
    if (index !== undefined) named.add(index);
  }
  return named;
}
