import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseQuery } from "../src/influxql/parser.js";
import { printQuery } from "../src/influxql/print.js";
import { scopeSelect, scopeShow } from "../src/influxql/scope.js";
import { interpolate, QUERY_EDITOR, TEMPLATE_VARIABLES } from "./fixtures/grafana-influxql.js";
import { type Fixture, startFixture } from "./helpers/fixture.js";
import { expectNoGlobex, influxql, seriesOf } from "./helpers/influxql.js";

// Every query of the Grafana corpus parses, is pinned to the org, prints back to InfluxQL that parses
// the same, and runs on real influxd through the gateway with acme's data in its answer.

let fixture: Fixture;
let app: FastifyInstance;
const toMs = Date.now();
const fromMs = toMs - 3_600_000;

beforeAll(async () => {
  fixture = await startFixture();
  app = await fixture.gateway({ PM_GATEWAY_PROBE_INTERVAL: "1h", PM_GATEWAY_RATE_LIMIT: "100000" });
});
afterAll(() => fixture?.close());

const ORG = `"org"::tag = 'acme'`;
const UNSCOPED = new Set(["showDatabases", "showRetentionPolicies", "showFieldKeys"]);

describe.each([
  ["query editor", QUERY_EDITOR],
  ["template variables", TEMPLATE_VARIABLES],
])("Grafana's %s", (_name, corpus) => {
  it.each(corpus.map((entry) => [entry.what, entry] as const))("%s", async (_what, entry) => {
    const q = interpolate(entry.q, fromMs, toMs);
    const statements = parseQuery(q);
    for (const statement of statements) {
      const scoped =
        statement.kind === "select"
          ? scopeSelect(statement, { org: "acme", now: BigInt(toMs) * 1_000_000n, maxRangeNs: 10n ** 15n })
              .select
          : scopeShow(statement, "acme");
      const printed = printQuery([scoped]);
      if (!UNSCOPED.has(statement.kind)) expect(printed).toContain(ORG);
      expect(printQuery(parseQuery(printed))).toBe(printed);
    }
    const response = await influxql(app, q);
    const results = seriesOf(response);
    expect(results).toHaveLength(statements.length);
    if (entry.data) for (const series of results) expect(series.length, response.body).toBeGreaterThan(0);
    expectNoGlobex(response);
  });
});
