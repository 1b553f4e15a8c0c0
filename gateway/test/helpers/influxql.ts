import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import { DB, GLOBEX_MARKERS, tokens } from "./fixture.js";

/** GET /query as Grafana sends it (epoch=ms), with the token in `Authorization: Token`. */
export function influxql(
  app: FastifyInstance,
  q: string,
  { token = tokens.acme, db = DB, epoch = "ms" }: { token?: string; db?: string; epoch?: string } = {},
): Promise<LightMyRequestResponse> {
  const params = new URLSearchParams({ q, ...(db ? { db } : {}), ...(epoch ? { epoch } : {}) });
  return app.inject({ method: "GET", url: `/query?${params}`, headers: { authorization: `Token ${token}` } });
}

/** Nothing of globex's in the answer, beyond what the query itself said. */
export function expectNoGlobex(response: LightMyRequestResponse, request = ""): void {
  for (const marker of GLOBEX_MARKERS) {
    if (!request.toLowerCase().includes(marker))
      expect(response.body, `answer leaks ${marker}`).not.toContain(marker);
  }
}

interface Series {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/** The series of each statement; fails on a statement error. */
export function seriesOf(response: LightMyRequestResponse): Series[][] {
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json() as { results: { statement_id: number; series?: Series[]; error?: string }[] };
  for (const result of body.results) expect(result.error, response.body).toBeUndefined();
  return body.results.map((result) => result.series ?? []);
}
