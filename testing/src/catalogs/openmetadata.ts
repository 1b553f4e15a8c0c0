import { randomBytes } from "node:crypto";
import { FaultyJsonServer, type JsonAnswer, type RecordedRequest } from "./faulty-json-server.js";

/**
 * OpenMetadata's `GET /api/v1/tables` for tests, answering as OpenMetadata 1.5 to 1.9 do
 * (TableResource.list, ResultList, the JWT filter):
 * - `{ data: [Table], paging: { total, after?, before? } }`, ordered by name; `after` and `before`
 *   are opaque cursors (base64 of the row's name and id), the last page has no `after`;
 * - `limit` 0 to 1000000 (default 10), else 400; `fields` from the resource's list, else 400
 *   "Invalid field name ..."; `owners` and `tags` are in a table only when asked for in `fields`;
 * - `Authorization: Bearer <JWT>` required: 401 `{ code, message }` without one or with a wrong one.
 */
export interface StartOpenMetadataOptions {
  /** Generated tables (see openMetadataTable). */
  tables?: number;
  /** Database services the tables are spread over, round robin (default 2). */
  services?: number;
  /** Teams owning the tables, round robin (default 3). */
  teams?: number;
  /** Every n-th table has no owner (default 0: none). */
  unownedEvery?: number;
  /** Every n-th table is owned by a user instead of a team (default 0: none). */
  userOwnedEvery?: number;
  /** Raw tables served after the generated ones, as given (malformed ones too); each needs a name. */
  extraTables?: { name: string; [key: string]: unknown }[];
  /** The valid bearer token (default a random one). */
  token?: string;
  /** Largest `limit` accepted (default 1000000, as 1.5+; older releases took 1000). */
  limitMax?: number;
  /** The clock of generated timestamps, ms since the epoch (default now). */
  now?: number;
  /** A broken server: every page after the first hands back the `after` cursor it was given. */
  stuckCursor?: boolean;
}

const DAY_MS = 86_400_000;
const TABLE_TYPES = ["Regular", "View", "External", "Iceberg"];
const FIELDS = new Set(
  (
    "tableConstraints,tablePartition,usageSummary,owners,customMetrics,columns,sampleData,tags," +
    "followers,joins,schemaDefinition,dataModel,extension,testSuite,domain,dataProducts,lifeCycle,sourceHash"
  ).split(","),
);

function uuid(kind: number, index: number): string {
  return `${kind.toString(16).padStart(8, "0")}-0000-4000-8000-${(index + 1).toString(16).padStart(12, "0")}`;
}

function reference(type: string, id: string, name: string, fullyQualifiedName = name) {
  return {
    id,
    type,
    name,
    fullyQualifiedName,
    displayName: name,
    deleted: false,
    href: `/api/v1/${type}s/${id}`,
  };
}

export function openMetadataTableName(index: number): string {
  return `table_${String(index).padStart(7, "0")}`;
}

export function openMetadataServiceName(index: number): string {
  return `warehouse_${index}`;
}

/**
 * The generated table `index`: service warehouse_<index % services>, owner team_<index % teams>
 * (none for every unownedEvery-th, user_<n> for every userOwnedEvery-th), tableType cycling Regular,
 * View, External, Iceberg; updated `index % 200` days before `now`; every 4th without tags.
 */
export function openMetadataTable(
  index: number,
  options: StartOpenMetadataOptions = {},
  now = Date.now(),
): { name: string; [key: string]: unknown } {
  const service = openMetadataServiceName(index % (options.services ?? 2));
  const name = openMetadataTableName(index);
  const fullyQualifiedName = `${service}.analytics.public.${name}`;
  const id = uuid(0x7ab1e, index);
  const { unownedEvery = 0, userOwnedEvery = 0 } = options;
  const owners =
    unownedEvery > 0 && index % unownedEvery === unownedEvery - 1
      ? []
      : userOwnedEvery > 0 && index % userOwnedEvery === userOwnedEvery - 1
        ? [reference("user", uuid(0x05e4, index % 7), `user_${index % 7}`)]
        : [
            reference(
              "team",
              uuid(0x7ea3, index % (options.teams ?? 3)),
              `team_${index % (options.teams ?? 3)}`,
            ),
          ];
  const tags =
    index % 4 === 3
      ? []
      : [
          {
            tagFQN: "PII.Sensitive",
            name: "Sensitive",
            description:
              "PII which if lost, compromised, or disclosed without authorization, could result in harm.",
            source: "Classification",
            labelType: "Manual",
            state: "Confirmed",
          },
        ];
  return {
    id,
    name,
    fullyQualifiedName,
    description: `Table ${index}`,
    version: 0.1,
    updatedAt: now - (index % 200) * DAY_MS - 1000,
    updatedBy: "ingestion-bot",
    href: `/api/v1/tables/${id}`,
    tableType: TABLE_TYPES[index % TABLE_TYPES.length],
    columns: [
      {
        name: "id",
        dataType: "BIGINT",
        dataTypeDisplay: "bigint",
        fullyQualifiedName: `${fullyQualifiedName}.id`,
        tags: [],
        ordinalPosition: 1,
      },
    ],
    databaseSchema: reference("databaseSchema", uuid(0x5c4e, 0), "public", `${service}.analytics.public`),
    database: reference("database", uuid(0xdb, 0), "analytics", `${service}.analytics`),
    service: reference("databaseService", uuid(0x5e7, index % (options.services ?? 2)), service),
    serviceType: "Postgres",
    owners,
    tags,
    deleted: false,
  };
}

export class OpenMetadataServer extends FaultyJsonServer {
  readonly token: string;
  private readonly now: number;
  /** Generated tables served now. */
  tableCount: number;

  private constructor(private readonly options: StartOpenMetadataOptions) {
    super();
    // OpenMetadata's tokens are JWTs; the server only compares them.
    this.token = options.token ?? `eyJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString("base64url")}.sig`;
    this.now = options.now ?? Date.now();
    this.tableCount = options.tables ?? 0;
  }

  static async start(options: StartOpenMetadataOptions = {}): Promise<OpenMetadataServer> {
    const server = new OpenMetadataServer(options);
    await server.listen();
    return server;
  }

  /** Every table, as stored (with owners and tags), in name order. */
  *tables(): Iterable<{ name: string; [key: string]: unknown }> {
    for (const entry of this.entries()) yield entry.build();
  }

  /** Names in order, each table built only when asked for (pages skip most of them). */
  private *entries(): Iterable<{ name: string; build: () => { name: string; [key: string]: unknown } }> {
    const extra = [...(this.options.extraTables ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
    let next = 0;
    for (let index = 0; index < this.tableCount; index++) {
      const name = openMetadataTableName(index);
      while (next < extra.length && extra[next]!.name < name) {
        const table = extra[next++]!;
        yield { name: table.name, build: () => table };
      }
      yield { name, build: () => openMetadataTable(index, this.options, this.now) };
    }
    for (const table of extra.slice(next)) yield { name: table.name, build: () => table };
  }

  get total(): number {
    return this.tableCount + (this.options.extraTables?.length ?? 0);
  }

  protected override faultBody(status: number): unknown {
    return error(status, `injected ${status}`).body;
  }

  protected answer({ method, path, headers }: RecordedRequest, query: URLSearchParams): JsonAnswer {
    const authorization = headers.authorization;
    if (authorization === undefined || !authorization.startsWith("Bearer ")) {
      return error(401, "Not Authorized! Token not present");
    }
    if (authorization !== `Bearer ${this.token}`) return error(401, "Not Authorized! Invalid Token");
    if (path !== "/api/v1/tables" || method !== "GET") return error(404, `HTTP 404 Not Found`);
    const limitText = query.get("limit") ?? "10";
    const limit = Number(limitText);
    const limitMax = this.options.limitMax ?? 1_000_000;
    if (!/^-?\d+$/.test(limitText)) return error(400, `query param limit must be a number, got ${limitText}`);
    if (limit < 0) return error(400, "query param limit must be greater than or equal to 0");
    if (limit > limitMax) return error(400, `query param limit must be less than or equal to ${limitMax}`);
    const fields = (query.get("fields") ?? "").split(",").filter(Boolean);
    const unknown = fields.find((field) => !FIELDS.has(field));
    if (unknown !== undefined) return error(400, `Invalid field name ${unknown}`);
    let afterName: string | undefined;
    const after = query.get("after");
    if (after !== null) {
      try {
        afterName = JSON.parse(Buffer.from(after, "base64").toString("utf8")).name;
        if (typeof afterName !== "string") throw new Error("no name");
      } catch {
        return error(400, `Invalid cursor ${after}`);
      }
    }
    const page: object[] = [];
    let more = false;
    for (const entry of this.entries()) {
      if (afterName !== undefined && entry.name <= afterName) continue;
      if (page.length === limit) {
        more = true;
        break;
      }
      page.push(entry.build());
    }
    const data = page.map((table) => {
      const { owners, tags, columns, ...rest } = table as Record<string, unknown>;
      return {
        ...rest,
        ...(fields.includes("columns") ? { columns } : {}),
        ...(fields.includes("owners") ? { owners } : {}),
        ...(fields.includes("tags") ? { tags } : {}),
      };
    });
    const cursor = (row: object | undefined) => {
      const { name, id } = row as { name: string; id: string };
      return Buffer.from(JSON.stringify({ name, id })).toString("base64");
    };
    return {
      status: 200,
      body: {
        data,
        paging: {
          ...(after !== null && data.length > 0 ? { before: cursor(data[0]) } : {}),
          ...(more
            ? { after: this.options.stuckCursor && after !== null ? after : cursor(data[data.length - 1]) }
            : {}),
          total: this.total,
        },
      },
    };
  }
}

function error(code: number, message: string) {
  return { status: code, body: { code, message } };
}

export function startOpenMetadata(options: StartOpenMetadataOptions = {}): Promise<OpenMetadataServer> {
  return OpenMetadataServer.start(options);
}
