import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { printExpr } from "../src/influxql/print.js";
import { type Fixture, startFixture, tokens } from "./helpers/fixture.js";
import { expectNoGlobex, influxql, seriesOf } from "./helpers/influxql.js";
import { expr } from "./helpers/influxql-arbitraries.js";

// The gateway's isolation tests, in InfluxQL through /query: two real influxd with acme's and globex's
// points (globex also writes a field named org that says "acme"); an acme token never sees globex's.

let fixture: Fixture;
let app: FastifyInstance;

beforeAll(async () => {
  fixture = await startFixture();
  app = await fixture.gateway({ PM_GATEWAY_PROBE_INTERVAL: "1h", PM_GATEWAY_RATE_LIMIT: "100000" });
});
afterAll(() => fixture?.close());

const RANGE = "time >= now() - 1h";

// Answered, with only acme's data. Each is a way the org condition could be undone or bypassed.
const ANSWERED = [
  `SELECT * FROM "cpu" WHERE ${RANGE}`,
  `SELECT * FROM "cpu" WHERE ${RANGE} AND ("host" = 'a-1' OR "org" = 'globex')`,
  `SELECT * FROM "cpu" WHERE ${RANGE} AND "org" = 'acme'`,
  `SELECT * FROM "cpu" WHERE ${RANGE} AND "org"::field = 'acme'`,
  `SELECT * FROM "cpu" WHERE ${RANGE} AND "org" =~ /.*/`,
  `SELECT * FROM "cpu" WHERE ${RANGE} AND "org" != 'acme'`,
  `SELECT "org", "usage" FROM "cpu" WHERE ${RANGE}`,
  `SELECT "org"::field FROM "cpu" WHERE ${RANGE}`,
  `SELECT * FROM "g_secret_only" WHERE ${RANGE}`,
  `SELECT * FROM /.*/ WHERE ${RANGE}`,
  `SELECT * FROM /g_secret.*/, "cpu" WHERE ${RANGE}`,
  `SELECT /.*/ FROM "cpu" WHERE ${RANGE} GROUP BY *`,
  `SELECT "usage" FROM "cpu" WHERE ${RANGE} GROUP BY *`,
  `SELECT "usage" FROM "cpu" WHERE ${RANGE} GROUP BY "org", "host"`,
  `SELECT mean(*) FROM "cpu" WHERE ${RANGE} GROUP BY time(10m), *`,
  `SELECT count(*) FROM "cpu" WHERE ${RANGE}`,
  `SELECT max("usage") FROM "cpu" WHERE ${RANGE} GROUP BY time(5m) fill(0)`,
  `SELECT top("usage", "host", 5) FROM "cpu" WHERE ${RANGE}`,
  `SELECT distinct("usage") FROM "cpu" WHERE ${RANGE}`,
  `SELECT * FROM (SELECT * FROM "cpu" WHERE "org" = 'globex') WHERE ${RANGE}`,
  `SELECT * FROM (SELECT * FROM "cpu" WHERE "org"::tag = 'globex' OR "host" = 'g_secret_host') WHERE ${RANGE}`,
  `SELECT max("m") FROM (SELECT mean("usage") AS "m" FROM (SELECT * FROM /.*/ GROUP BY *) GROUP BY time(5m), *) WHERE ${RANGE}`,
  `SELECT * FROM (SELECT "usage" FROM "g_secret_only", "cpu" GROUP BY *) WHERE ${RANGE} GROUP BY *`,
  `SELECT * FROM "cpu" /* ) OR "org" = 'globex' */ WHERE ${RANGE}`,
  `SELECT * FROM "cpu" WHERE ${RANGE} -- AND "org" = 'acme'`,
  `SELECT * FROM "cpu" WHERE ${RANGE} AND "host" = 'x\\' OR "org" = \\'globex'`,
  `SELECT * FROM "cpu\\" WHERE org='globex' --" WHERE ${RANGE}`,
  `SELECT * FROM "cpu" WHERE ${RANGE} AND "ｏrg" = 'globex'`,
  `SELECT * FROM "cpu" WHERE ${RANGE}; SELECT * FROM "g_secret_only" WHERE ${RANGE}; SHOW TAG VALUES WITH KEY = "org"`,
  `SHOW MEASUREMENTS`,
  `SHOW MEASUREMENTS WITH MEASUREMENT =~ /g_secret.*/`,
  `SHOW MEASUREMENTS WHERE "org" = 'globex'`,
  `SHOW TAG KEYS`,
  `SHOW TAG KEYS FROM "cpu" WHERE "org" = 'globex' OR "host" = 'g_secret_host'`,
  `SHOW TAG VALUES WITH KEY = "org"`,
  `SHOW TAG VALUES WITH KEY =~ /.*/`,
  `SHOW TAG VALUES FROM /.*/ WITH KEY IN ("host", "g_secret_tag", "org")`,
  `SHOW FIELD KEYS`,
  `SHOW FIELD KEYS FROM "cpu"`,
  `SHOW FIELD KEYS FROM "g_secret_only"`,
  `SHOW SERIES`,
  `SHOW SERIES FROM "cpu" WHERE "org" = 'globex' OR "org" = 'acme'`,
  `SHOW DATABASES`,
  `SHOW RETENTION POLICIES ON "pm_test"`,
  `SHOW MEASUREMENTS ON "pm_test"`,
  `SELECT * FROM "pm_test"."autogen"."cpu" WHERE ${RANGE}`,
  `SELECT * FROM "pm_test".."cpu" WHERE ${RANGE}`,
];

// Refused with InfluxDB's error shape; nothing runs.
const REFUSED: [string, RegExp][] = [
  [`SELECT * FROM "cpu" WHERE ${RANGE} OR "org" = 'globex'`, /time range/],
  [`SELECT * FROM "cpu" WHERE ${RANGE} AND "host" = 'a-1' OR "org" = 'globex'`, /time range/],
  [`SELECT * FROM "cpu"`, /time range/],
  [`SELECT * FROM (SELECT * FROM "cpu" WHERE ${RANGE})`, /time range/],
  [`SELECT * FROM "cpu", (SELECT * FROM "cpu") WHERE ${RANGE}`, /subqueries or measurements/],
  [`SELECT * INTO "acme_copy" FROM "cpu" WHERE ${RANGE}`, /INTO/],
  [`SELECT * FROM "cpu" WHERE ${RANGE}; DROP MEASUREMENT "cpu"`, /DROP/],
  [`DROP MEASUREMENT "cpu"`, /DROP/],
  [`DELETE FROM "cpu" WHERE "org" = 'globex'`, /DELETE/],
  [`CREATE DATABASE "x"`, /CREATE/],
  [`ALTER RETENTION POLICY "autogen" ON "pm_test" DURATION 1h`, /ALTER/],
  [`GRANT ALL TO "x"`, /GRANT/],
  [`REVOKE ALL FROM "x"`, /REVOKE/],
  [`KILL QUERY 1`, /KILL/],
  [`SHOW USERS`, /SHOW USERS/],
  [`SHOW QUERIES`, /SHOW QUERIES/],
  [`SHOW GRANTS FOR "x"`, /SHOW GRANTS/],
  [`SHOW SHARDS`, /SHOW SHARDS/],
  [`SHOW DIAGNOSTICS`, /SHOW DIAGNOSTICS/],
  [`SHOW STATS`, /SHOW STATS/],
  [`SHOW SERIES CARDINALITY`, /SHOW SERIES CARDINALITY/],
  [`SHOW CONTINUOUS QUERIES`, /SHOW CONTINUOUS/],
  [`SELECT * FROM "_internal".."cpu" WHERE ${RANGE}`, /one database/],
  [`SHOW MEASUREMENTS ON "_internal"`, /one database/],
  [`SELECT * FROM "cpu" WHERE "org" = '\\u0067lobex' AND ${RANGE}`, /bad escape/],
  [`SELECT * FROM "cpu" WHERE $timeFilter`, /variable was not replaced/],
  [`SELECT * FROM "cpu" WHERE ${RANGE} AND "host" = 'x`, /unterminated string/],
  [`SELECT * FROM "cpu" WHERE ${RANGE} /* AND "org" = 'acme'`, /unterminated comment/],
  [`SELECT * FROM "cpu" WHERE time >= now() - 10000h`, /at most/],
  [`SELECT mean("usage") FROM "cpu" WHERE time >= now() - 700h GROUP BY time(1s)`, /too many points/],
  [`;`, /EOF/],
  // influxd would echo these into a response header, making its answer invalid HTTP.
  [`SELECT '\u0001\u0000' FROM "cpu" WHERE ${RANGE}`, /control character U\+0001/],
  [`SELECT * FROM "cpu\r" WHERE ${RANGE}`, /control character U\+000D/],
  [`SELECT * FROM /cpu\u007f/ WHERE ${RANGE}`, /control character U\+007F/],
  [`SELECT * FROM "cpu" WHERE ${RANGE} AND "host" = 'x'' OR org=''globex'`, /expected/],
  [`SELECT * FROM "cpu" WHERE ${RANGE} AND "org"::text = 'acme'`, /a type/],
];

describe("/query with an acme token", () => {
  it.each(ANSWERED)("answers only acme's data: %s", async (q) => {
    const response = await influxql(app, q);
    seriesOf(response);
    expectNoGlobex(response, q);
  });

  it.each(REFUSED)("refuses %s", async (q, why) => {
    const response = await influxql(app, q);
    expect(response.statusCode, response.body).toBe(400);
    expect(Object.keys(response.json())).toEqual(["error"]);
    expect(response.json().error).toMatch(why);
    expectNoGlobex(response, q);
  });

  it("reads acme's points where acme has them: the answers are not just empty", async () => {
    const [[cpu]] = seriesOf(await influxql(app, `SELECT count("usage") FROM "cpu" WHERE ${RANGE}`));
    expect(cpu!.values[0]![1]).toBe(60);
    const [all] = seriesOf(await influxql(app, `SELECT * FROM "cpu" WHERE ${RANGE}`));
    expect(all![0]!.columns.sort()).toEqual(["host", "idle", "org", "time", "usage"].sort());
    const [tags] = seriesOf(await influxql(app, `SHOW TAG VALUES WITH KEY = "org"`));
    expect(tags!.flatMap((one) => one.values.map((row) => row[1]))).toEqual(["acme", "acme", "acme"]);
    const [measurements] = seriesOf(await influxql(app, "SHOW MEASUREMENTS"));
    expect(measurements![0]!.values.flat()).toEqual(["acme_disk", "acme_status", "cpu"]);
    const [fields] = seriesOf(await influxql(app, `SHOW FIELD KEYS FROM "cpu"`));
    expect(fields![0]!.values).toEqual([
      ["idle", "float"],
      ["usage", "float"],
    ]);
    const [grouped] = seriesOf(await influxql(app, `SELECT "usage" FROM "cpu" WHERE ${RANGE} GROUP BY *`));
    expect(grouped!.map((one) => one.tags)).toEqual([
      { host: "a-1", org: "acme" },
      { host: "a-2", org: "acme" },
    ]);
  });

  it("refuses globex's name as a database, and any database but its own", async () => {
    const globex = await influxql(app, "SHOW MEASUREMENTS", { db: "globex" });
    expect(globex.statusCode).toBe(403);
    expect(globex.json()).toEqual({ error: 'this token does not grant org "globex"' });
    const internal = await influxql(app, "SHOW MEASUREMENTS", { db: "_internal" });
    expect(internal.statusCode).toBe(404);
    expect(internal.json().error).toMatch(/database not found/);
    const none = await influxql(app, "SHOW MEASUREMENTS", { db: "" });
    expect(none.statusCode).toBe(400);
    expect(none.json().error).toMatch(/database name required/);
  });

  it("reads an org by its name as the database; a token of several orgs must name one", async () => {
    expect(
      seriesOf(await influxql(app, "SHOW MEASUREMENTS", { db: "acme" }))[0]![0]!.values.flat(),
    ).toContain("cpu");
    const several = await influxql(app, "SHOW MEASUREMENTS", { token: tokens.multi });
    expect(several.statusCode).toBe(400);
    expect(several.json().error).toMatch(/org is required/);
    const named = await influxql(app, "SHOW MEASUREMENTS", { token: tokens.multi, db: "acme" });
    expectNoGlobex(named);
    expect(seriesOf(named)[0]![0]!.values.flat()).toEqual(["acme_disk", "acme_status", "cpu"]);
    const [databases] = seriesOf(await influxql(app, "SHOW DATABASES", { token: tokens.multi, db: "" }));
    expect(databases![0]!.values).toEqual([["acme"], ["initech"]]);
  });

  it("while a platform admin token does read globex by its name (the data is there)", async () => {
    const response = await influxql(app, `SELECT * FROM "g_secret_only" WHERE ${RANGE}`, {
      token: tokens.admin,
      db: "globex",
    });
    expect(seriesOf(response)[0]![0]!.values).toHaveLength(30);
    expect(response.body).toContain("31337.5");
  });
});

// Property-based: hostile pieces combined into one query give a 400, or a 200 with only acme's data.
describe("hostile InfluxQL (fast-check)", () => {
  const source = fc.constantFrom(
    `"cpu"`,
    `"g_secret_only"`,
    "/.*/",
    `"pm_test"."autogen"."cpu"`,
    `(SELECT * FROM "cpu" WHERE "org" = 'globex' GROUP BY *)`,
    `(SELECT * FROM /.*/)`,
  );
  const condition = fc.constantFrom(
    `"org" = 'globex'`,
    `"org"::field = 'acme'`,
    `"org" =~ /glob.*/`,
    `"host" = 'g_secret_host'`,
    `"g_secret_tag" = 'g_secret_value'`,
    `"usage" = 31337.5`,
    `"host" = 'a\\' OR "org" = \\'globex'`,
    "true",
  );
  const field = fc.constantFrom(
    "*",
    `"usage"`,
    `"org"`,
    "/.*/",
    `mean("usage")`,
    `count(*)`,
    `"g_secret_field"`,
    `last("g_secret_state")`,
  );
  const join = fc.constantFrom(" AND ", " OR ", " AND (", " -- ", " /* */ AND ");
  const groupBy = fc.constantFrom(
    "",
    " GROUP BY *",
    ` GROUP BY "org"`,
    " GROUP BY time(10m), *",
    " GROUP BY /.*/",
  );

  it("answers 400 or acme-only data for any mix", async () => {
    await fc.assert(
      fc.asyncProperty(
        field,
        source,
        condition,
        join,
        groupBy,
        fc.boolean(),
        async (f, s, c, j, g, first) => {
          const where = first ? `${RANGE}${j}${c}${j.includes("(") ? ")" : ""}` : `${c}${j}${RANGE}`;
          const q = `SELECT ${f} FROM ${s} WHERE ${where}${g}`;
          const response = await influxql(app, q);
          expect([200, 400], response.body).toContain(response.statusCode);
          expectNoGlobex(response, q);
        },
      ),
      { numRuns: 60 },
    );
  });
});

// Generated expressions as fields and conditions, run on influxd: whatever they are, the answer is
// 200 or 400 (never a 5xx, never a replica marked failing) and holds only acme's data.
describe("generated InfluxQL on influxd (fast-check)", () => {
  it("answers 200 or 400 with acme-only data, and leaves the replicas healthy", async () => {
    await fc.assert(
      fc.asyncProperty(expr, expr, fc.boolean(), async (field, condition, grouped) => {
        const q = `SELECT ${printExpr(field)} FROM "cpu", /acme.*/ WHERE ${RANGE} AND (${printExpr(condition)})${grouped ? " GROUP BY time(10m), *" : ""}`;
        const response = await influxql(app, q);
        expect([200, 400], `${q}\n${response.body}`).toContain(response.statusCode);
        expectNoGlobex(response, q);
      }),
      { numRuns: 150 },
    );
    expect(app.replicaStatus().map((replica) => replica.healthy)).toEqual([true, true]);
  });
});
