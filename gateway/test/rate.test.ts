import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeToReplicas } from "./helpers/collector-points.js";
import { bearer, type Fixture, GLOBEX_MARKERS, startFixture, tokens } from "./helpers/fixture.js";

// The rate aggregate on two real influxd: counters written at known growth, one of them restarting
// (its total back to zero), and another org's counter in the same measurement growing much faster.

const MINUTE = 60_000;
/** Ten whole minutes, ending ten minutes ago: buckets of 1m hold 6 points each (every 10 s). */
const START_MS = Math.floor(Date.now() / MINUTE) * MINUTE - 20 * MINUTE;
const POINTS = 60;
const RESTART_AT = 30; // the 30th point of r2 is the first after its restart: the 6th minute
const range = {
  from: new Date(START_MS).toISOString(),
  to: new Date(START_MS + 10 * MINUTE - 1).toISOString(),
};

function counterLines(): string[] {
  const lines: string[] = [];
  for (let k = 0; k < POINTS; k++) {
    const ns = `${BigInt(START_MS + k * 10_000) * 1_000_000n}`;
    // 30 every 10 s: 3 per second.
    lines.push(`pm_relay,org=acme,replica=r1 points_written=${30 * k}i ${ns}`);
    // 12 every 10 s (1.2 per second) from 1000, then from 0 after a restart.
    const r2 = k < RESTART_AT ? 1000 + 12 * k : 12 * (k - RESTART_AT);
    lines.push(`pm_relay,org=acme,replica=r2 points_written=${r2}i ${ns}`);
    // Another org's counter in the same measurement: 31337.5 per second.
    lines.push(`pm_relay,org=globex,replica=g_secret_replica points_written=${313_375 * k}i ${ns}`);
  }
  return lines;
}

let fixture: Fixture;
let app: FastifyInstance;

beforeAll(async () => {
  fixture = await startFixture();
  await writeToReplicas(fixture, counterLines());
  app = await fixture.gateway();
});
afterAll(() => fixture?.close());

const query = (body: object, token = tokens.acme) =>
  app.inject({ method: "POST", url: "/api/v1/query", headers: bearer(token), payload: body });

const rateBody = {
  measurement: "pm_relay",
  fields: ["points_written"],
  aggregate: "rate",
  every: "1m",
  range,
};

type Row = [string, number | null];
interface Series {
  tags: Record<string, string>;
  values: Row[];
}

/** Each series' rates by minute since START_MS (the bucket's start). */
function byMinute(series: Series[]): Record<string, Record<number, number | null>> {
  return Object.fromEntries(
    series.map((one) => [
      one.tags.replica ?? "",
      Object.fromEntries(one.values.map(([time, value]) => [(Date.parse(time) - START_MS) / MINUTE, value])),
    ]),
  );
}

describe("the rate aggregate", () => {
  it("gives each series' per-second increase between buckets, from each bucket's largest value", async () => {
    const response = await query({ ...rateBody, groupBy: ["replica"] });
    expect(response.statusCode, response.body).toBe(200);
    const rates = byMinute(response.json().series);
    expect(Object.keys(rates)).toEqual(["r1", "r2"]);
    // The first bucket has none (no bucket before it); then 3 per second in each.
    expect(rates.r1).toEqual({ 1: 3, 2: 3, 3: 3, 4: 3, 5: 3, 6: 3, 7: 3, 8: 3, 9: 3 });
    expect(response.json().meta.fields.points_written.unit).toBe("count/s");
    // where picks series as for any aggregate.
    const r1 = await query({ ...rateBody, where: { replica: "r1" } });
    expect(byMinute(r1.json().series)).toEqual({ "": rates.r1 });
  });

  it("gives a gap, never a negative rate, where a counter restarts from zero", async () => {
    for (const fill of [undefined, "null", "none", "linear"]) {
      const response = await query({ ...rateBody, groupBy: ["replica"], ...(fill ? { fill } : {}) });
      expect(response.statusCode, response.body).toBe(200);
      const r2 = byMinute(response.json().series).r2!;
      // Minute 5 holds the restart: its largest total (60) is below minute 4's (1348), so no rate.
      expect(r2, `fill ${fill}`).toEqual({ 1: 1.2, 2: 1.2, 3: 1.2, 4: 1.2, 6: 1.2, 7: 1.2, 8: 1.2, 9: 1.2 });
    }
  });

  it("is refused without every, or with a fill that would make up totals, naming what to change", async () => {
    const { every: _every, ...withoutEvery } = rateBody;
    const refused = await query(withoutEvery);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe("bad_request");
    expect(refused.json().error.message).toMatch(/^every: aggregate rate needs every/);
    const filled = await query({ ...rateBody, fill: 0 });
    expect(filled.statusCode).toBe(400);
    expect(filled.json().error.message).toMatch(/^fill: aggregate rate takes fill null, none or linear/);
  });

  it("stays within the point limit, counting buckets as any aggregate does", async () => {
    const small = await fixture.gateway({ PM_GATEWAY_MAX_POINTS: "15" });
    const ask = (body: object) =>
      small.inject({ method: "POST", url: "/api/v1/query", headers: bearer(tokens.acme), payload: body });
    // Just under 10 minutes in 1m buckets: 10 points per series, so one series fits in 15 and two do not.
    const one = await ask({ ...rateBody, where: { replica: "r1" } });
    expect(one.statusCode, one.body).toBe(200);
    const two = await ask({ ...rateBody, groupBy: ["replica"] });
    expect(two.statusCode).toBe(400);
    expect(two.json().error.code).toBe("too_many_points");
    const fine = await ask({ ...rateBody, every: "10s" });
    expect(fine.statusCode).toBe(400);
    expect(fine.json().error.message).toMatch(/too many points: \S+ in buckets of 10s gives 60; at most 15/);
  });

  it("reads only the caller's org: another org's faster counter in the same measurement never shows", async () => {
    const answers = [
      await query({ ...rateBody, groupBy: ["replica"] }),
      await query({ ...rateBody, groupBy: ["replica", "org"] }),
      // Without groupBy all of acme's series are one: the largest total of each bucket is r2's
      // until it restarts, then r1's; globex's, far larger, would give 31337.5 per second.
      await query(rateBody),
      await query({ ...rateBody, where: { replica: "g_secret_replica" } }),
    ];
    for (const answer of answers) {
      expect(answer.statusCode, answer.body).toBe(200);
      for (const marker of GLOBEX_MARKERS) expect(answer.body).not.toContain(marker);
    }
    expect(byMinute(answers[2]!.json().series)).toEqual({
      "": { 1: 1.2, 2: 1.2, 3: 1.2, 4: 1.2, 6: 3, 7: 3, 8: 3, 9: 3 },
    });
    expect(answers[3]!.json().series).toEqual([]);
    // The points are there: globex reads its own rate.
    const globex = await query({ ...rateBody, groupBy: ["replica"] }, tokens.globex);
    expect(byMinute(globex.json().series).g_secret_replica).toMatchObject({ 1: 31337.5, 9: 31337.5 });
  });
});
