import { afterEach, describe, expect, it } from "vitest";
import {
  countOrg,
  points,
  publish,
  type RelayProcess,
  relayEnv,
  type Servers,
  spawnRelay,
  startServers,
  until,
} from "./helpers.js";

function startRelayProcess(servers: Servers): RelayProcess {
  return spawnRelay(relayEnv(servers, { PM_LOG_LEVEL: "info" }));
}

async function bothHave(servers: Servers, org: string, count: number): Promise<void> {
  await until(
    async () => (await countOrg(servers.a, org)) === count && (await countOrg(servers.b, org)) === count,
    `${count} ${org} points on both replicas`,
  );
  expect(await countOrg(servers.a, org)).toBe(count);
  expect(await countOrg(servers.b, org)).toBe(count);
}

describe("relay under faults", () => {
  let servers: Servers | undefined;
  const relays: ReturnType<typeof startRelayProcess>[] = [];
  afterEach(async () => {
    for (const relay of relays.splice(0)) relay.child.kill("SIGKILL");
    await servers?.close();
    servers = undefined;
  });

  it("a replica stopped during ingest catches up after it restarts; nothing is lost", async () => {
    servers = await startServers();
    const relay = startRelayProcess(servers);
    relays.push(relay);
    await publish(servers.nats.url, points("acme", "a1", 20_000, 1000));
    // Stopped once the relay has made b's database: before that, b down is a bootstrap retry, not a write failure.
    await until(
      () => /"replica":"b"[^\n]*"msg":"database and default retention policy ready"/.test(relay.output()),
      "the relay to make b's database",
    );
    await servers.b.stop();
    await publish(servers.nats.url, points("acme", "a2", 20_000, 1000));
    await until(async () => (await countOrg(servers!.a, "acme")) === 40_000, "replica a to take everything");
    // Keep b down until the relay has found it down (a loaded machine may take a while to try).
    await until(() => /write failed; retrying with backoff/.test(relay.output()), "a failed write to b");
    await servers.b.start();
    await bothHave(servers, "acme", 40_000);
    expect(relay.output()).toMatch(/replica writable again/);
  });

  it("a relay killed with SIGKILL mid-stream, twice, loses and doubles nothing", async () => {
    servers = await startServers();
    for (let kill = 0; kill < 2; kill++) {
      const relay = startRelayProcess(servers);
      // The first relay creates the stream; then the whole backlog is queued at once.
      if (kill === 0) {
        await until(() => relay.output().includes('"msg":"relay started"'), "the relay to start");
        await publish(servers.nats.url, points("globex", "k1", 60_000, 500));
      }
      await until(async () => (await countOrg(servers!.a, "globex")) > 5000 * (kill + 1), "some progress");
      relay.child.kill("SIGKILL");
      await relay.exited;
    }
    const last = startRelayProcess(servers);
    relays.push(last);
    await bothHave(servers, "globex", 60_000);
  });

  it("two relay instances share the consumers: no loss, no double counting; SIGTERM exits 0", async () => {
    servers = await startServers();
    const first = startRelayProcess(servers);
    const second = startRelayProcess(servers);
    relays.push(first, second);
    await publish(servers.nats.url, [
      ...points("initech", "s1", 38_000, 1000),
      ...points("initech", "s2", 2000, 1).map(({ subject, payload }) => ({ subject, payload })),
    ]);
    await bothHave(servers, "initech", 40_000);
    first.child.kill("SIGTERM");
    second.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(await second.exited).toBe(0);
  });
});
