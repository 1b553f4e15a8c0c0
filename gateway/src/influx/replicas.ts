import { InfluxV1Client, isTimeoutError } from "@platform-metrics/sdk/influx";
import type { Logger } from "@platform-metrics/sdk/service";
import { badRequest, HttpError } from "../errors.js";

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}
export interface InfluxStatementResult {
  statement_id?: number;
  series?: InfluxSeries[];
  error?: string;
}
export interface ReplicaAnswer {
  replica: string;
  results: InfluxStatementResult[];
}
export interface ReplicaStatus {
  name: string;
  healthy: boolean;
  /** Why it was last marked failing; internal, for logs and /readyz. */
  lastError?: string;
}

export interface ReplicasOptions {
  replicas: { name: string; url: string }[];
  db: string;
  username?: string;
  password?: string;
  queryTimeout: number;
  probeInterval: number;
  logger: Logger;
  /** Told of each query sent and each failover (pm_gateway). */
  observer?: QueryObserver;
}

export interface QueryObserver {
  queried(ms: number, failed: boolean): void;
  failedOver(): void;
}

interface Replica {
  name: string;
  client: InfluxV1Client;
  healthy: boolean;
  lastError?: string;
}

/** The replica did not answer usefully (down, timed out, 5xx, missing database): try another. */
class ReplicaFailure extends Error {
  constructor(
    readonly kind: "timeout" | "unavailable" | "missing_database",
    message: string,
  ) {
    super(message);
  }
}

// InfluxDB's statement errors stay in the log; the caller gets a message about its own query.
function statementError(error: string): Error {
  if (/database not found/i.test(error)) return new ReplicaFailure("missing_database", error);
  if (/timeout|timed out|query killed|interrupted/i.test(error)) {
    return new HttpError(504, "query_timeout", "the query took longer than the time limit");
  }
  if (/max-select-(point|series|buckets)/i.test(error)) {
    return badRequest("the query reads too many points; narrow the range or the tags", "too_many_points");
  }
  return badRequest(
    "InfluxDB could not run the query (for example an aggregate that does not fit the field's type)",
    "bad_query",
  );
}

const NOT_PINGED = "not pinged yet";

/**
 * InfluxDB replicas holding the same data. A query goes to the healthiest (healthy ones in configured
 * order), and once more to another when that one fails or times out. Every replica is pinged in the
 * background, so a failing one is skipped until it answers again.
 */
export class Replicas {
  private readonly replicas: Replica[];
  private probeTimer?: NodeJS.Timeout;
  private probing = false;

  constructor(private readonly options: ReplicasOptions) {
    this.replicas = options.replicas.map((replica) => ({
      name: replica.name,
      // Kept-alive connections, one per concurrent query. No pipelining: influxd answers a
      // connection's requests one after another, so a slow query would hold up the fast ones
      // queued behind it.
      client: new InfluxV1Client(replica, {
        username: options.username,
        password: options.password,
        timeoutMs: options.queryTimeout,
        connections: 64,
      }),
      // Until the first ping has answered: /readyz must not say ready on replicas nobody has asked.
      healthy: false,
      lastError: NOT_PINGED,
    }));
  }

  /** Pings every replica once (at most the ping's 2 s), then again every probe interval. */
  async start(): Promise<void> {
    await this.probe();
    this.probeTimer = setInterval(() => void this.probe(), this.options.probeInterval);
    this.probeTimer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.probeTimer);
    await Promise.all(this.replicas.map((replica) => replica.client.close().catch(() => undefined)));
  }

  status(): ReplicaStatus[] {
    return this.replicas.map(({ name, healthy, lastError }) => ({ name, healthy, lastError }));
  }

  /**
   * Runs InfluxQL (built by build-influxql.ts only) on one replica, and once more on another when that
   * replica fails. Only a replica's own failures count against it: a missing database, or a connection
   * error, 5xx, unreadable answer or timeout while its ping fails too. An answer that only this query
   * provoked (its ping still answers) must not take the replica, or the gateway's readiness, away from
   * every other caller: the query goes to the other replica, and fails with 502 if that one cannot
   * answer it either. A query that is refused, too slow or abandoned by its caller is the query's
   * problem, answered 4xx or 504, and never retried.
   */
  async query(influxql: string, signal?: AbortSignal): Promise<ReplicaAnswer> {
    try {
      encodeURIComponent(influxql);
    } catch {
      // Only a lone UTF-16 surrogate makes encodeURIComponent throw; the schemas refuse those first.
      throw badRequest("the query holds text that is not valid Unicode (a lone UTF-16 surrogate)");
    }
    const ordered = [...this.replicas.filter((r) => r.healthy), ...this.replicas.filter((r) => !r.healthy)];
    let replicaAnswered = false;
    for (const [attempt, replica] of ordered.slice(0, 2).entries()) {
      if (attempt > 0) this.options.observer?.failedOver();
      try {
        const results = await this.send(replica, influxql, signal);
        this.mark(replica, true);
        return { replica: replica.name, results };
      } catch (error) {
        if (signal?.aborted) throw new HttpError(499, "client_closed", "the caller hung up");
        if (!(error instanceof ReplicaFailure)) throw error;
        if (error.kind === "missing_database") {
          this.mark(replica, false, error.message);
          continue;
        }
        const pingError = await this.ping(replica);
        if (pingError !== undefined) {
          this.mark(replica, false, `${error.message}, and ${pingError}`);
          continue;
        }
        if (error.kind === "timeout") {
          throw new HttpError(
            504,
            "query_timeout",
            `the query did not finish within ${this.options.queryTimeout} ms; narrow the range, the fields or the series`,
          );
        }
        replicaAnswered = true;
        this.options.logger.warn(
          { replica: replica.name, reason: error.message, influxql },
          "a replica that answers its ping could not answer a query; not marked failing",
        );
      }
    }
    if (replicaAnswered)
      throw new HttpError(502, "replica_error", "InfluxDB could not answer this query; try again shortly");
    throw new HttpError(503, "replicas_unavailable", "no InfluxDB replica answered; try again shortly");
  }

  private mark(replica: Replica, healthy: boolean, reason?: string): void {
    if (replica.healthy !== healthy) {
      if (healthy && replica.lastError !== NOT_PINGED)
        this.options.logger.info({ replica: replica.name }, "replica answers again");
      else
        this.options.logger.warn(
          { replica: replica.name, reason },
          "replica failing; skipped until it answers",
        );
    }
    replica.healthy = healthy;
    replica.lastError = healthy ? undefined : reason;
  }

  /** One query on one replica, timed for pm_gateway; a caller hanging up is no failure of the query. */
  private async send(
    replica: Replica,
    influxql: string,
    signal: AbortSignal | undefined,
  ): Promise<InfluxStatementResult[]> {
    const observer = this.options.observer;
    if (!observer) return this.sendOnce(replica, influxql, signal);
    const started = performance.now();
    try {
      const results = await this.sendOnce(replica, influxql, signal);
      observer.queried(performance.now() - started, false);
      return results;
    } catch (error) {
      observer.queried(performance.now() - started, !signal?.aborted);
      throw error;
    }
  }

  private async sendOnce(
    replica: Replica,
    influxql: string,
    signal: AbortSignal | undefined,
  ): Promise<InfluxStatementResult[]> {
    const timeout = this.options.queryTimeout;
    let statusCode: number;
    let text: string;
    try {
      ({ status: statusCode, text } = await replica.client.query(influxql, {
        db: this.options.db,
        method: "GET",
        signal,
      }));
    } catch (error) {
      if (isTimeoutError(error)) throw new ReplicaFailure("timeout", `no answer within ${timeout} ms`);
      throw new ReplicaFailure("unavailable", (error as Error).message);
    }

    let body: { results?: InfluxStatementResult[]; error?: string } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (statusCode === 400 && body?.error) {
      this.options.logger.warn(
        { replica: replica.name, influxError: body.error, influxql },
        "InfluxDB refused a query",
      );
      throw badRequest("InfluxDB could not parse the query", "bad_query");
    }
    if (statusCode !== 200 || !body || !Array.isArray(body.results)) {
      throw new ReplicaFailure("unavailable", `HTTP ${statusCode}: ${text.slice(0, 200)}`);
    }
    for (const result of body.results) {
      if (!result.error) continue;
      const error = statementError(result.error);
      if (!(error instanceof ReplicaFailure)) {
        this.options.logger.warn(
          { replica: replica.name, influxError: result.error, influxql },
          "query failed",
        );
      }
      throw error;
    }
    return body.results;
  }

  /** Undefined when the replica answers its ping, else why not. */
  private async ping(replica: Replica): Promise<string | undefined> {
    try {
      const status = await replica.client.ping(Math.min(2000, this.options.probeInterval * 4));
      return status === 204 ? undefined : `ping answered HTTP ${status}`;
    } catch (error) {
      return `ping failed: ${(error as Error).message}`;
    }
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await Promise.all(
        this.replicas.map(async (replica) => {
          const pingError = await this.ping(replica);
          this.mark(replica, pingError === undefined, pingError);
        }),
      );
    } finally {
      this.probing = false;
    }
  }
}
