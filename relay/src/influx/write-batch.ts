import type { InfluxV1Client } from "@platform-metrics/sdk/influx";
import type { Logger } from "@platform-metrics/sdk/service";
import type { RelayConfig } from "../config.js";
import { bootstrap } from "./bootstrap.js";
import { type WriteOutcome, writeBody, writeLines } from "./write-lines.js";

/**
 * Writes a batch's body to one replica; when the database or retention policy is missing (dropped
 * by an operator, a replica replaced) bootstraps once and writes the lines again.
 */
export async function writeBatch(
  client: InfluxV1Client,
  body: Buffer,
  lines: () => readonly string[],
  config: Pick<RelayConfig, "influxDb" | "retention" | "influxRp">,
  log: Logger,
): Promise<WriteOutcome> {
  const outcome = await writeBody(client, body, lines);
  if (outcome.kind !== "missing-target") return outcome;
  // Once per failed write, so a database that cannot be created is backed off, not looped on.
  log.warn(
    { replica: client.replica.name, reason: outcome.reason },
    "database or retention policy missing; bootstrapping again",
  );
  await bootstrap(client, config.influxDb, config.retention, log, config.influxRp);
  return writeLines(client, lines());
}
