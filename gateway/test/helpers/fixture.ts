import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, type Logger, silentLogger } from "@platform-metrics/sdk/service";
import { type Influx, startInflux } from "@platform-metrics/testing";
import type { FastifyInstance } from "fastify";
import { createToken } from "../../src/cli/token-create.js";
import { loadGatewayConfig } from "../../src/config.js";
import { createGateway } from "../../src/server.js";

export const DB = "pm_test";
/** Text that only globex's data holds: no answer to an acme token may contain it. */
export const GLOBEX_MARKERS = ["globex", "g_secret", "31337.5"];

const created = {
  acme: createToken({ id: "acme-reader", orgs: ["acme"] }),
  globex: createToken({ id: "globex-reader", orgs: ["globex"] }),
  multi: createToken({ id: "acme-initech", orgs: ["acme", "initech"] }),
  admin: createToken({ id: "admin", orgs: ["*"] }),
  expired: createToken({ id: "expired", orgs: ["acme"], expires: "2020-01-01T00:00:00Z" }),
  limited: createToken({ id: "limited", orgs: ["acme"] }),
  busy: createToken({ id: "busy", orgs: ["acme"] }),
};
export const tokens = Object.fromEntries(
  Object.entries(created).map(([key, value]) => [key, value.token]),
) as {
  [K in keyof typeof created]: string;
};

export function tokensYaml(): string {
  return `tokens:\n${Object.values(created)
    .map(({ entry }) => `  - ${JSON.stringify(entry)}`)
    .join("\n")}\n`;
}

/**
 * 30 one-minute points per series, ending a minute ago: acme and globex share the cpu measurement, where
 * globex also has a string field and points with a field named org that says "acme".
 */
export function seedLines(nowMs = Date.now()): string {
  const lines: string[] = [];
  for (let i = 0; i < 30; i++) {
    const ns = `${BigInt(Math.floor(nowMs / 60_000) * 60_000 - (i + 1) * 60_000) * 1_000_000n}`;
    lines.push(
      `cpu,org=acme,host=a-1 usage=${i}.5,idle=${100 - i} ${ns}`,
      `cpu,org=acme,host=a-2 usage=${i + 1}.25,idle=${90 - i} ${ns}`,
      `acme_disk,org=acme,dev=sda used=${1000 + i}i ${ns}`,
      `acme_status,org=acme,host=a-1 state="ok" ${ns}`,
      `cpu,org=globex,host=g_secret_host,g_secret_tag=g_secret_value usage=31337.5,g_secret_field=31337.5,g_secret_state="on" ${ns}`,
      // Issue 21: a field named org (older relays let it through) must not undo anyone's org scoping.
      `cpu,org=globex,host=g_secret_host org="acme",usage=31337.5 ${ns}`,
      `g_secret_only,org=globex,host=g_secret_host v=31337.5 ${ns}`,
    );
  }
  return lines.join("\n");
}

export async function seed(influx: Influx, lines = seedLines()): Promise<void> {
  await influx.createDatabase(DB);
  await influx.write(DB, lines);
}

/** A gateway over the given replicas (`a=url,b=url`) with the test tokens; `env` overrides any PM_* variable. */
export async function startGateway(
  influxUrls: string,
  db: string,
  tokensFile: string,
  env: Record<string, string> = {},
  logger: Logger = silentLogger,
): Promise<FastifyInstance> {
  const config = loadGatewayConfig({
    env: {
      PM_INFLUX_URLS: influxUrls,
      PM_INFLUX_DB: db,
      PM_GATEWAY_TOKENS_FILE: tokensFile,
      PM_GATEWAY_PROBE_INTERVAL: "100ms",
      PM_GATEWAY_TOKENS_POLL: "50ms",
      ...env,
    },
  });
  return createGateway({ config, logger });
}

export interface Fixture {
  a: Influx;
  b: Influx;
  dir: string;
  tokensFile: string;
  /** What the gateways logged (warn and above), one JSON line each: a test can wait for an event. */
  logs: string[];
  /** A gateway over both replicas; `env` overrides any PM_* variable. */
  gateway(env?: Record<string, string>, logger?: Logger): Promise<FastifyInstance>;
  close(): Promise<void>;
}

/** Two real influxd replicas holding the same acme and globex points, and a tokens file. */
export async function startFixture(): Promise<Fixture> {
  const [a, b] = await Promise.all([startInflux(), startInflux()]);
  const lines = seedLines();
  await Promise.all([seed(a, lines), seed(b, lines)]);
  const dir = await mkdtemp(join(tmpdir(), "pm-gw-"));
  const tokensFile = join(dir, "tokens.yaml");
  await writeFile(tokensFile, tokensYaml());
  const apps: FastifyInstance[] = [];
  const logs: string[] = [];
  const logger = createLogger({
    name: "gateway-test",
    level: "warn",
    destination: { write: (line) => logs.push(line) },
  });
  return {
    a,
    b,
    dir,
    tokensFile,
    logs,
    async gateway(env = {}, gatewayLogger: Logger = logger) {
      const app = await startGateway(`a=${a.url},b=${b.url}`, DB, tokensFile, env, gatewayLogger);
      apps.push(app);
      return app;
    },
    async close() {
      await Promise.all(apps.map((app) => app.close()));
      await Promise.all([a.close(), b.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
