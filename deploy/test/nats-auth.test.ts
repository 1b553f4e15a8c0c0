import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { silentLogger } from "@platform-metrics/sdk/service";
import {
  findBinary,
  freePort,
  type Influx,
  type NatsServer,
  startInflux,
  startNats,
} from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../../gateway/src/cli/token-create.js";
import { loadGatewayConfig } from "../../gateway/src/config.js";
import { createGateway } from "../../gateway/src/server.js";
import { loadRelayConfig } from "../../relay/src/config.js";
import { RELAY_INBOX_PREFIX } from "../../relay/src/inbox.js";
import { type Relay, startRelay } from "../../relay/src/relay.js";
import { DEPLOY, type K8sObject, render } from "./kustomize.js";

// The NATS users and permissions of deploy/nats, enforced by a real nats-server running the rendered
// config with the passwords of the example Secret, wired through the StatefulSet's environment.

const nats = render(join(DEPLOY, "nats"));
const secret = render(join(DEPLOY, "example-secrets")).find((o) => o.metadata.name === "pm-nats-users")!;
const config = nats.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("pm-nats-config"))!;
const gatewayDeployment = render(join(DEPLOY, "gateway")).find((o) => o.kind === "Deployment")!;

/** The NATS container's variables that come from pm-nats-users, with the example's values. */
function passwordEnv(statefulSet: K8sObject): Record<string, string> {
  const env: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] =
    statefulSet.spec.template.spec.containers[0].env;
  return Object.fromEntries(
    env
      .filter((e) => e.valueFrom?.secretKeyRef?.name === "pm-nats-users")
      .map((e) => [e.name, secret.stringData[e.valueFrom!.secretKeyRef!.key]]),
  );
}

function writeConfig(dir: string, files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return join(dir, "nats.conf");
}

let dir: string;
let server: NatsServer;
let influx: Influx;
let relay: Relay | undefined;
const clients: NatsConnection[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pm-nats-auth-"));
  Object.assign(
    process.env,
    { POD_NAME: "pm-nats-0" },
    passwordEnv(nats.find((o) => o.kind === "StatefulSet")!),
  );
  // The store moves to a temporary directory (the config turns JetStream on itself), the monitoring
  // port and pid file off the fixed ones; the helper sets address, port and name.
  const conf = writeConfig(dir, {
    ...config.data,
    "nats.conf": config.data["nats.conf"].replace("/data/jetstream", join(dir, "jetstream")),
  });
  [server, influx] = await Promise.all([
    startNats({
      jetstream: false,
      args: ["-c", conf, "-m", String(await freePort()), "-P", join(dir, "nats.pid")],
    }),
    startInflux(),
  ]);
});

afterAll(async () => {
  await relay?.stop();
  await Promise.all(clients.splice(0).map((nc) => nc.close()));
  await Promise.all([server?.close(), influx?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function as(user: string, password = secret.stringData[user]): Promise<NatsConnection> {
  // The relay's replies come to its own prefix (relay/src/inbox.ts); everyone else's to _INBOX.
  const inboxPrefix = user === "relay" ? RELAY_INBOX_PREFIX : "_INBOX";
  const nc = await connect({ servers: server.url, user, pass: password, inboxPrefix });
  clients.push(nc);
  return nc;
}

/** A collector's publish: a request to the subject, answered by the stream's ack. */
async function publish(nc: NatsConnection, subject: string, line: string): Promise<string> {
  const reply = await nc.request(subject, line, { timeout: 3000 });
  return new TextDecoder().decode(reply.data);
}

describe("deploy/nats users", () => {
  it("the relay (user relay) creates the streams, consumes, and writes what a collector publishes", async () => {
    const env = {
      PM_NATS_URL: server.url,
      PM_NATS_USER: "relay",
      PM_NATS_PASSWORD: secret.stringData.relay,
      PM_INFLUX_URLS: `a=${influx.url}`,
      PM_HTTP_PORT: "0",
      PM_BATCH_MAX_DELAY: "20ms",
    };
    relay = await startRelay(loadRelayConfig({ env }), silentLogger);
    const perf = await as("perf-acme");
    const now = BigInt(Date.now()) * 1_000_000n;
    expect(await publish(perf, "metrics.acme.perf", `perf_process,host=h cpu=1 ${now}`)).toMatch(
      /"stream":"METRICS"/,
    );
    await expect
      .poll(() => influx.countPoints("platform_metrics", "perf_process").catch(() => 0), { timeout: 50_000 })
      .toBe(1);
  });

  it("a collector may publish only to metrics.<its org>.<its source>", async () => {
    const perf = await as("perf-acme");
    await expect(publish(perf, "metrics.globex.perf", "x v=1")).rejects.toThrow(/permission|timeout/i);
    await expect(publish(perf, "metrics.acme.storage-probe", "x v=1")).rejects.toThrow(/permission|timeout/i);
    const probe = await as("storage-probe");
    expect(await publish(probe, "metrics.platform.storage-probe", "x v=1")).toMatch(/"stream":"METRICS"/);
    await expect(publish(probe, "metrics.platform.relay", "x v=1")).rejects.toThrow(/permission|timeout/i);
    // Nor may it touch the JetStream API (delete the stream, read other orgs' messages).
    await expect(jetstreamManager(probe).then((jsm) => jsm.streams.delete("METRICS"))).rejects.toThrow();

    const jsm = await jetstreamManager(await as("relay"));
    const { state } = await jsm.streams.info("METRICS", { subjects_filter: "metrics.>" });
    expect(
      Object.keys(state.subjects ?? {})
        .filter((s) => !s.startsWith("metrics.platform.relay"))
        .sort(),
    ).toEqual(["metrics.acme.perf", "metrics.platform.storage-probe"]);
  });

  it("a collector cannot read what the relay pulls, nor another collector's messages", async () => {
    // Collectors may subscribe to _INBOX.> for their acks; the relay's deliveries go to its own
    // _INBOX_relay prefix, which no collector may subscribe to.
    // One connection per subscription: nats.js stops answering flush() on a connection that had a
    // subscription refused.
    const seen: string[] = [];
    const refused: string[] = [];
    const spies = new Map<string, NatsConnection>();
    for (const subject of ["_INBOX.>", "_INBOX_relay.>", "metrics.>", "$JS.>"]) {
      const spy = await as("perf-acme");
      spies.set(subject, spy);
      spy.subscribe(subject, {
        callback: (error, msg) => {
          if (error) refused.push(`${subject}: ${error.message}`);
          else seen.push(`${subject}: ${msg.string()}`);
        },
      });
    }
    await spies.get("_INBOX.>")!.flush();
    const now = BigInt(Date.now()) * 1_000_000n;
    const secretLine = `storage_probe,volume=secret ok=true ${now}`;
    expect(await publish(await as("storage-probe"), "metrics.platform.storage-probe", secretLine)).toMatch(
      /"stream":"METRICS"/,
    );
    // Once the relay wrote it, its delivery has passed through the server to every subscriber.
    await expect
      .poll(() => influx.countPoints("platform_metrics", "storage_probe").catch(() => 0), { timeout: 50_000 })
      .toBeGreaterThan(0);
    await spies.get("_INBOX.>")!.flush();
    expect(refused.map((r) => r.split(":")[0]).sort()).toEqual(["$JS.>", "_INBOX_relay.>", "metrics.>"]);
    expect(seen.filter((s) => s.includes("volume=secret"))).toEqual([]);
  });

  it("refuses a wrong password and an unknown user", async () => {
    await expect(as("perf-acme", "not-the-password")).rejects.toThrow(/Authorization Violation/i);
    await expect(as("nobody", "x")).rejects.toThrow(/Authorization Violation/i);
  });

  it("the gateway publishes pm_gateway as its user from deploy/gateway, and nothing else", async () => {
    const env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { key: string } } }[] =
      gatewayDeployment.spec.template.spec.containers[0].env;
    const user = env.find((e) => e.name === "PM_NATS_USER")!.value!;
    const passwordKey = env.find((e) => e.name === "PM_NATS_PASSWORD")!.valueFrom!.secretKeyRef!.key;
    const tokensFile = join(dir, "tokens.yaml");
    writeFileSync(
      tokensFile,
      `tokens:\n  - ${JSON.stringify(createToken({ id: "t", orgs: ["acme"] }).entry)}\n`,
    );
    const app = await createGateway({
      config: loadGatewayConfig({
        env: {
          PM_NATS_URL: server.url,
          PM_NATS_USER: user,
          PM_NATS_PASSWORD: secret.stringData[passwordKey],
          PM_INFLUX_URLS: `a=${influx.url}`,
          PM_GATEWAY_TOKENS_FILE: tokensFile,
          PM_METRICS_INTERVAL: "1h",
        },
      }),
      logger: silentLogger,
    });
    // Its last point is published on close, acknowledged by the stream before close returns.
    await app.close();
    const jsm = await jetstreamManager(await as("relay"));
    const { state } = await jsm.streams.info("METRICS", { subjects_filter: "metrics.platform.gateway" });
    expect(state.subjects?.["metrics.platform.gateway"]).toBe(1);

    const gateway = await as(user, secret.stringData[passwordKey]);
    await expect(publish(gateway, "metrics.platform.relay", "x v=1")).rejects.toThrow(/permission|timeout/i);
    await expect(publish(gateway, "metrics.acme.gateway", "x v=1")).rejects.toThrow(/permission|timeout/i);
  });

  it("the HA overlay's clustered nats.conf is a valid nats-server config", () => {
    const ha = render(join(DEPLOY, "overlays/ha")).find(
      (o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("pm-nats-config"),
    )!;
    const haDir = mkdtempSync(join(dir, "ha-"));
    const conf = writeConfig(haDir, ha.data);
    const out = execFileSync(findBinary("nats-server"), ["-c", conf, "-t"], {
      encoding: "utf8",
      env: process.env,
    });
    expect(out).not.toMatch(/error/i);
  });
});
