import { silentLogger } from "@platform-metrics/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../src/config.js";
import { createGateway } from "../src/server.js";

// PM_GATEWAY_NOTICE: a note the dashboard shows to everyone (the demo says which data is simulated).
// No replica is needed to serve it: the replicas here are ports where nothing listens.

const base = {
  PM_INFLUX_URLS: "a=http://127.0.0.1:1",
  PM_GATEWAY_OIDC_ISSUER: "https://idp.example",
  PM_GATEWAY_OIDC_AUDIENCE: "pm",
};
const apps: Awaited<ReturnType<typeof createGateway>>[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function notice(env: Record<string, string>) {
  const app = await createGateway({
    config: loadGatewayConfig({ env: { ...base, ...env } }),
    logger: silentLogger,
  });
  apps.push(app);
  const response = await app.inject({ method: "GET", url: "/notice.json" });
  return { status: response.statusCode, body: response.json() };
}

describe("PM_GATEWAY_NOTICE", () => {
  it("is served to anyone, without a token, as JSON text", async () => {
    const text = `Demo: <img src=x onerror="alert(1)"> k8s-api reads a simulated cluster`;
    expect(await notice({ PM_GATEWAY_NOTICE: text })).toEqual({ status: 200, body: { notice: text } });
  });

  it("is null when unset; a blank one is refused", async () => {
    expect((await notice({})).body).toEqual({ notice: null });
    expect(() => loadGatewayConfig({ env: { ...base, PM_GATEWAY_NOTICE: "   " } })).toThrow(
      /PM_GATEWAY_NOTICE/,
    );
  });

  it("refuses a notice longer than 500 characters, naming the variable", () => {
    expect(() => loadGatewayConfig({ env: { ...base, PM_GATEWAY_NOTICE: "x".repeat(501) } })).toThrow(
      /PM_GATEWAY_NOTICE/,
    );
  });
});
