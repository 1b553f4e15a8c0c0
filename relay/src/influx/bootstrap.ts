import { type InfluxV1Client, quoteIdentifier } from "@platform-metrics/sdk/influx";
import type { Logger } from "@platform-metrics/sdk/service";

/** "unauthorized": the credentials are wrong; "not-permitted": right, but not an admin's. */
export type BootstrapResult = "ready" | "not-permitted" | "unauthorized" | "unreachable";

/**
 * Creates the database and makes `policy` (`raw` unless PM_INFLUX_RP names another), of the retention,
 * its default policy; safe to repeat. A write-only user may not do this: then an admin must have done
 * it, and the relay goes on writing.
 */
export async function bootstrap(
  client: InfluxV1Client,
  db: string,
  retentionMs: number,
  log: Logger,
  policy = "raw",
): Promise<BootstrapResult> {
  const hours = Math.max(1, Math.round(retentionMs / 3_600_000));
  const rp = quoteIdentifier(policy);
  const statements = [
    // With its policy in one statement: a plain CREATE DATABASE makes "autogen" the default until
    // the next statement, and a write of another delivery (or relay) landing in between went there,
    // unseen by queries of the default policy and kept forever. On a database that exists with
    // other policies InfluxDB answers "retention policy conflicts": the next statement sees to it.
    `CREATE DATABASE ${quoteIdentifier(db)} WITH DURATION ${hours}h REPLICATION 1 NAME ${rp}`,
    `CREATE RETENTION POLICY ${rp} ON ${quoteIdentifier(db)} DURATION ${hours}h REPLICATION 1 DEFAULT`,
  ];
  try {
    for (const statement of statements) {
      const answer = await client.query(statement);
      if (!answer.failed) continue;
      // Wrong credentials first: 1.x answers them 401 "authorization failed" to every statement.
      if (
        answer.status === 401 ||
        /authorization failed|unable to parse authentication/i.test(answer.message)
      ) {
        log.error(
          { replica: client.replica.name, err: answer.message },
          "InfluxDB refused the credentials (PM_INFLUX_USERNAME / PM_INFLUX_PASSWORD)",
        );
        return "unauthorized";
      }
      if (answer.status === 403 || /not authorized/i.test(answer.message)) {
        log.warn(
          { replica: client.replica.name, err: answer.message },
          "cannot create the database or retention policy with these credentials; an admin must (writes go on)",
        );
        return "not-permitted";
      }
      if (statement === statements[0] && /retention policy conflicts/.test(answer.message)) continue;
      if (/retention policy already exists/.test(answer.message)) {
        const alter = await client.query(
          `ALTER RETENTION POLICY ${rp} ON ${quoteIdentifier(db)} DURATION ${hours}h DEFAULT`,
        );
        if (!alter.failed) continue;
      }
      log.error(
        { replica: client.replica.name, statement, err: answer.message },
        "bootstrap statement failed",
      );
      return "unreachable";
    }
    log.info(
      { replica: client.replica.name, db, policy, retention: `${hours}h` },
      "database and default retention policy ready",
    );
    return "ready";
  } catch (error) {
    log.warn(
      { replica: client.replica.name, err: (error as Error).message },
      "replica unreachable for bootstrap; will retry",
    );
    return "unreachable";
  }
}
