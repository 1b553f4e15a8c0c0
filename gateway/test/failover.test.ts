import { writeFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../src/cli/token-create.js";
import { bearer, type Fixture, startFixture, tokens, tokensYaml } from "./helpers/fixture.js";
import { waitFor } from "./helpers/wait.js";

let fixture: Fixture;
let app: FastifyInstance;

beforeAll(async () => {
  fixture = await startFixture();
  app = await fixture.gateway({ PM_GATEWAY_QUERY_TIMEOUT: "2s" });
});
afterAll(() => fixture?.close());

const body = { measurement: "cpu", fields: ["usage"], aggregate: "count", range: { from: "-1h" } };
const query = () =>
  app.inject({ method: "POST", url: "/api/v1/query", headers: bearer(tokens.acme), payload: body });

describe("replica failover", () => {
  it("is served by a, by b while a is down, 503 with both down, and by a again once it is back", async () => {
    const first = await query();
    expect(first.statusCode).toBe(200);
    expect(first.headers["x-pm-replica"]).toBe("a");
    expect(first.json().meta.replica).toBe("a");
    expect(first.json().series[0].values[0][1]).toBe(60);

    await fixture.a.stop();
    const fromB = await query();
    expect(fromB.statusCode).toBe(200);
    expect(fromB.headers["x-pm-replica"]).toBe("b");
    expect(fromB.json().series[0].values[0][1]).toBe(60);
    const discovery = await app.inject({
      method: "GET",
      url: "/api/v1/measurements",
      headers: bearer(tokens.acme),
    });
    expect(discovery.headers["x-pm-replica"]).toBe("b");

    await fixture.b.stop();
    const none = await query();
    expect(none.statusCode).toBe(503);
    expect(none.json().error).toEqual({
      code: "replicas_unavailable",
      message: "no InfluxDB replica answered; try again shortly",
    });
    await waitFor(
      async () => (await app.inject({ method: "GET", url: "/readyz" })).statusCode === 503,
      "readyz 503",
    );

    await fixture.a.start();
    await waitFor(async () => (await query()).headers["x-pm-replica"] === "a", "replica a to serve again");
    expect((await app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
    await fixture.b.start();
  });
});

describe("tokens file reload in a running gateway", () => {
  it("accepts a token added to the file and refuses one removed from it", async () => {
    const added = createToken({ id: "added-later", orgs: ["acme"] });
    const orgs = (token: string) =>
      app.inject({ method: "GET", url: "/api/v1/orgs", headers: bearer(token) });
    expect((await orgs(added.token)).statusCode).toBe(401);

    await writeFile(fixture.tokensFile, `${tokensYaml()}  - ${JSON.stringify(added.entry)}\n`);
    await waitFor(async () => (await orgs(added.token)).statusCode === 200, "the added token to be accepted");

    await writeFile(fixture.tokensFile, "tokens: [ this is not valid");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await orgs(added.token)).statusCode).toBe(200);

    await writeFile(fixture.tokensFile, tokensYaml());
    await waitFor(
      async () => (await orgs(added.token)).statusCode === 401,
      "the removed token to be refused",
    );
    expect((await orgs(tokens.acme)).statusCode).toBe(200);
  });
});
