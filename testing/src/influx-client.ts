import { InfluxV1Client, quoteIdentifier, quoteString } from "@platform-metrics/sdk/influx";

/** Credentials of an InfluxDB user. */
export interface InfluxCredentials {
  username: string;
  password: string;
}

export interface InfluxQueryOptions {
  db?: string;
  /** Credentials for this call: default the admin's when auth is on; `null` sends none. */
  auth?: InfluxCredentials | null;
  /** Same as `auth: { username, password }`. */
  username?: string;
  password?: string;
}

export interface InfluxWriteOptions {
  auth?: InfluxCredentials | null;
  username?: string;
  password?: string;
  /** Timestamp precision of the lines (default `ns`). */
  precision?: "ns" | "u" | "ms" | "s" | "m" | "h";
}

export interface InfluxCountOptions {
  /** A field every counted point has (default: the largest count of any field). */
  field?: string;
  /** InfluxQL condition, e.g. `"org" = 'acme'`. */
  where?: string;
}

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface InfluxQueryResult {
  results: { statement_id: number; series?: InfluxSeries[]; error?: string }[];
}

/** influxd answered with an HTTP error (or a statement error, status 200). */
export class InfluxHttpError extends Error {
  override name = "InfluxHttpError";
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
  }
}

export interface InfluxClient {
  /** Runs InfluxQL; throws an InfluxHttpError with InfluxDB's message on an HTTP or statement error. */
  query(q: string, options?: InfluxQueryOptions): Promise<InfluxQueryResult>;
  /** Writes line protocol; anything but 204 throws an InfluxHttpError. */
  write(db: string, lines: string | string[], options?: InfluxWriteOptions): Promise<void>;
  createDatabase(db: string): Promise<void>;
  /** Points of a measurement (0 when there are none), optionally filtered by a WHERE condition. */
  countPoints(db: string, measurement: string, where?: string | InfluxCountOptions): Promise<number>;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** A double-quoted InfluxQL identifier. */
export const identifier = quoteIdentifier;

/** A single-quoted InfluxQL string. */
export const stringLiteral = quoteString;

/** A query as errors show it: passwords hidden. */
function shown(q: string): string {
  return q.replace(/(PASSWORD\s+)'(?:[^'\\]|\\.)*'/gi, "$1'<hidden>'");
}

function credentials(
  options: { auth?: InfluxCredentials | null; username?: string; password?: string },
  fallback: InfluxCredentials | undefined,
): InfluxCredentials | undefined {
  if (options.username !== undefined || options.password !== undefined)
    return { username: options.username ?? "", password: options.password ?? "" };
  if (options.auth === null) return undefined;
  return options.auth ?? fallback;
}

/** An error that says what was refused and for whom, never with the password. */
function httpError(
  path: string,
  context: string,
  status: number,
  body: string,
  auth: InfluxCredentials | undefined,
): InfluxHttpError {
  let reason = body.trim();
  try {
    reason = (JSON.parse(body) as { error?: string }).error ?? reason;
  } catch {
    // not JSON: keep the text
  }
  const who =
    status === 401 || status === 403
      ? auth
        ? ` for user ${JSON.stringify(auth.username)} (wrong username or password, or not allowed)`
        : " without credentials (auth is on)"
      : "";
  return new InfluxHttpError(`influxd ${path} ${status}${who}: ${reason} (${context})`, status, body);
}

function checkName(kind: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || value === "")
    throw new TypeError(`influx: ${kind} must be a non-empty string, got ${JSON.stringify(value)}`);
}

/**
 * The SDK's v1 client with the habits of a test: the admin's credentials by default, and every
 * refusal thrown as an InfluxHttpError with InfluxDB's message.
 */
export function influxClient(url: string, admin: InfluxCredentials | undefined): InfluxClient {
  const client = new InfluxV1Client({ name: "test", url }, { timeoutMs: REQUEST_TIMEOUT_MS });

  async function query(q: string, options: InfluxQueryOptions = {}): Promise<InfluxQueryResult> {
    checkName("query", q);
    const auth = credentials(options, admin);
    const answer = await client.query(q, { db: options.db || undefined, auth: auth ?? null });
    if (answer.status < 200 || answer.status >= 300)
      throw httpError("/query", `query: ${shown(q)}`, answer.status, answer.text, auth);
    const result = JSON.parse(answer.text) as InfluxQueryResult;
    const failed = result.results.find((r) => r.error);
    if (failed)
      throw new InfluxHttpError(
        `influxd /query: ${failed.error} (query: ${shown(q)})`,
        answer.status,
        answer.text,
      );
    return result;
  }

  return {
    query,
    async write(db, lines, options = {}) {
      checkName("database", db);
      const auth = credentials(options, admin);
      const answer = await client.write(lines, {
        db,
        precision: options.precision ?? "ns",
        auth: auth ?? null,
      });
      if (answer.status !== 204)
        throw httpError("/write", `db: ${JSON.stringify(db)}`, answer.status, answer.text, auth);
    },
    async createDatabase(db) {
      checkName("database", db);
      await query(`CREATE DATABASE ${identifier(db)}`);
    },
    async countPoints(db, measurement, where) {
      checkName("database", db);
      checkName("measurement", measurement);
      const options = typeof where === "string" ? { where } : (where ?? {});
      const field = options.field ? identifier(options.field) : "*";
      const condition = options.where ? ` WHERE ${options.where}` : "";
      const result = await query(`SELECT count(${field}) FROM ${identifier(measurement)}${condition}`, {
        db,
      });
      const row = result.results[0]?.series?.[0]?.values[0];
      if (!row) return 0;
      // count(*) gives one column per field; every point has a value in the largest one.
      return Math.max(...(row.slice(1) as number[]));
    },
  };
}
