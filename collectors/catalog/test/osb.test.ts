import { type OsbBrokerServer, type OsbService, osbService, startOsbBroker } from "@platform-metrics/testing";
import { afterEach, describe, expect, it } from "vitest";
import { collect, fieldsOf, pointsOf, selfPoint } from "./helpers.js";

const USER = "platform";
const PASSWORD = "broker-password-9876";
const servers: OsbBrokerServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function broker(services: OsbService[] | number) {
  const server = await startOsbBroker({ services, username: USER, password: PASSWORD });
  servers.push(server);
  return server;
}

const config = (server: OsbBrokerServer, extra: Record<string, unknown> = {}) => ({
  adapter: "osb",
  url: server.url,
  catalogUser: USER,
  catalogPassword: PASSWORD,
  broker: "main",
  ...extra,
});

describe("osb adapter", () => {
  it("counts offerings and plans of GET /v2/catalog, asked with X-Broker-API-Version 2.17 and basic auth", async () => {
    const server = await broker(9);
    const points = await collect(config(server, { orgs: { "broker:main": "acme" } }));
    const [request] = server.requestsTo("/v2/catalog");
    expect(request?.headers["x-broker-api-version"]).toBe("2.17");
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`,
    );
    const services = pointsOf(points, "catalog_services");
    expect(services).toHaveLength(1);
    expect(services[0]?.tags).toMatchObject({ broker: "main", org: "acme" });
    expect(services[0]?.tags.partial).toBeUndefined();
    // 9 offerings of 3 plans: a free one by default, a paid one, a free bindable one; every 3rd
    // offering (3 of 9) is not bindable, so its first two plans are not either.
    expect(fieldsOf(services[0])).toEqual({
      services: 9,
      plans: 27,
      free_plans: 18,
      paid_plans: 9,
      bindable_services: 6,
      bindable_plans: 21,
    });
    expect(selfPoint(points)).toEqual({
      up: true,
      complete: true,
      pages: 1,
      items: 9,
      malformed: 0,
      retries: 0,
      not_modified: false,
    });
  });

  it("tags the broker with the URL's host name when PM_BROKER is unset", async () => {
    const server = await broker(1);
    const points = await collect(config(server, { broker: undefined }));
    expect(pointsOf(points, "catalog_services")[0]?.tags.broker).toBe("127.0.0.1");
  });

  it("writes zeros for a broker that answers with an empty catalog: they are true", async () => {
    const server = await broker(0);
    const points = await collect(config(server));
    expect(fieldsOf(pointsOf(points, "catalog_services")[0])).toMatchObject({ services: 0, plans: 0 });
    expect(selfPoint(points)).toMatchObject({ up: true, complete: true, items: 0 });
  });

  it("counts an error and writes no service counts when the password is refused", async () => {
    const server = await broker(3);
    const points = await collect(config(server, { catalogPassword: "wrong-password" }));
    expect(points.errorsCounted).toBe(1);
    expect(points.map((point) => point.measurement)).toEqual(["pm_catalog"]);
    expect(selfPoint(points)).toMatchObject({ up: false, retries: 0 });
    expect(server.requestsTo("/v2/catalog")).toHaveLength(1);
  });

  it("waits out a 429 with Retry-After and 500s, then counts the catalog", async () => {
    const server = await broker(2);
    server.fail({ status: 429, retryAfter: 1 });
    server.fail({ status: 500 });
    const points = await collect(config(server));
    expect(server.requestsTo("/v2/catalog")).toHaveLength(3);
    expect(selfPoint(points)).toMatchObject({ up: true, complete: true, items: 2, retries: 2 });
  });

  it("counts an error, and writes no counts, for a catalog that is not JSON or not shaped like one", async () => {
    const server = await broker(2);
    server.fail("malformed", { times: Infinity });
    const malformed = await collect(config(server));
    expect(malformed.errorsCounted).toBe(1);
    expect(malformed.map((point) => point.measurement)).toEqual(["pm_catalog"]);

    server.heal();
    server.setServices({ services: "none" } as unknown as OsbService[]);
    const misshapen = await collect(config(server));
    expect(misshapen.errorsCounted).toBe(1);
    expect(selfPoint(misshapen)).toMatchObject({ up: true, items: 0 });
    expect(pointsOf(misshapen, "catalog_services")).toEqual([]);
  });

  it("skips offerings that break the spec and counts the rest", async () => {
    const bad = [
      { id: "x", name: "no-plans", description: "d", bindable: true },
      { ...osbService(1), bindable: "yes" },
      { ...osbService(2), plans: [{ id: "p", name: "p", description: "d", free: "no" }] },
    ] as unknown as OsbService[];
    const server = await broker([osbService(0), ...bad, osbService(3)]);
    const points = await collect(config(server));
    expect(selfPoint(points)).toMatchObject({ complete: true, items: 2, malformed: 3 });
    expect(fieldsOf(pointsOf(points, "catalog_services")[0])).toMatchObject({ services: 2, plans: 6 });
  });
});
