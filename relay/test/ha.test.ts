import { jetstreamManager } from "@nats-io/jetstream";
import {
  type Influx,
  type NatsCluster,
  startInflux,
  startNatsCluster,
  waitFor,
} from "@platform-metrics/testing";
import { afterEach, describe, expect, it } from "vitest";
import { loadRelayConfig } from "../src/config.js";
import { countOrg, DB, points, publish, type RelayProcess, spawnRelay, until, withNats } from "./helpers.js";

// The pipeline of deploy/overlays/ha on one machine: a 3-node NATS cluster with the streams at R3,
// two relays, InfluxDB replicas; every single failure, and every point lands once on every replica.

const PER_PHASE = 2000;
const PER_MESSAGE = 100;

let cluster: NatsCluster | undefined;

// PM_TEST_LOG=1 prints each step with the time it began, to see where a slow run spent its time.
const t0 = Date.now();
const step = (what: string) => {
  if (process.env.PM_TEST_LOG) process.stderr.write(`ha test +${Date.now() - t0} ms: ${what}\n`);
};
let influxes: Influx[] = [];
let relays: RelayProcess[] = [];
afterEach(async () => {
  for (const relay of relays) relay.child.kill("SIGKILL");
  await Promise.all(relays.map((relay) => relay.exited));
  await Promise.all([cluster?.close(), ...influxes.map((influx) => influx.close())]);
  cluster = undefined;
  influxes = [];
  relays = [];
});

function relay(replicas: Record<string, Influx>): RelayProcess {
  const process = spawnRelay({
    PM_NATS_URL: cluster!.url,
    PM_INFLUX_URLS: Object.entries(replicas)
      .map(([name, influx]) => `${name}=${influx.url}`)
      .join(","),
    PM_STREAM_REPLICAS: "3",
    PM_HTTP_PORT: "0",
    PM_BATCH_MAX_DELAY: "50ms",
    PM_MAX_RETRY_DELAY: "1s",
    // Short, so what a killed relay held goes to the other one soon.
    PM_ACK_WAIT: "5s",
    PM_PREFETCH_MESSAGES: "64",
    PM_LOG_LEVEL: "info",
  });
  relays.push(process);
  return process;
}

/** Waits for the relay's start line; on a timeout, says what the relay printed until then. */
async function started(relay: RelayProcess): Promise<void> {
  await until(() => relay.output().includes('"msg":"relay started"'), "a relay to start").catch(
    (error: Error) => {
      throw new Error(`${error.message}; it printed:\n${relay.output()}`);
    },
  );
}

/** Phase `n`: PER_PHASE points of source `p<n>`, v = 0..PER_PHASE-1, in messages with ids. */
const phase = (n: number) => points("acme", `p${n}`, PER_PHASE, PER_MESSAGE);

async function sumOf(influx: Influx): Promise<number> {
  const result = await influx.query(`SELECT SUM("v") FROM "relay_test" WHERE "org" = 'acme'`, { db: DB });
  return Number(result.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
}

/** Waits until every replica holds exactly `phases` phases: each point once, none missing, none extra. */
async function everyReplicaHas(replicas: Influx[], phases: number): Promise<void> {
  const count = phases * PER_PHASE;
  for (const influx of replicas)
    await until(
      async () => (await countOrg(influx, "acme")) >= count,
      `${count} points on ${influx.url}`,
      120_000,
    );
  for (const influx of replicas) {
    expect(await countOrg(influx, "acme")).toBe(count);
    expect(await sumOf(influx)).toBe((phases * PER_PHASE * (PER_PHASE - 1)) / 2);
  }
}

/**
 * The stream's info. Asked again while a request times out: on a busy machine the cluster can take
 * longer than the client's 5 s to answer while it elects or moves a leader, which is what this test
 * puts it through.
 */
function stream(name: string, query?: { subjects_filter: string }) {
  return waitFor(`the info of stream ${name}`, () =>
    withNats(cluster!.url, async (nc) => (await jetstreamManager(nc)).streams.info(name, query)),
  );
}

/** Messages the METRICS stream holds on the subjects `filter` matches. */
async function messagesOn(filter: string): Promise<number> {
  const info = await stream("METRICS", { subjects_filter: filter });
  return Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
}

describe("relay HA: 3-node NATS cluster, R3 stream, two relays, InfluxDB replicas", () => {
  it("every point lands exactly once on every replica through the loss of the stream leader, a relay and a replica", async () => {
    [cluster, ...influxes] = await Promise.all([startNatsCluster(), startInflux(), startInflux()]);
    const [a, b] = influxes as [Influx, Influx];
    const relays = [relay({ a, b }), relay({ a, b })];
    await Promise.all(relays.map(started));
    expect((await stream("METRICS")).config.num_replicas).toBe(3);
    // The two followers show in the stream's info once they have caught up with the new stream.
    await until(
      async () => (await stream("METRICS")).cluster?.replicas?.length === 2,
      "two stream followers",
    );
    expect((await stream("DEADLETTER")).config.num_replicas).toBe(3);

    step("phase 1");
    await publish(cluster.url, phase(1));
    await until(async () => (await countOrg(a, "acme")) > 0, "ingest to begin");

    // The stream's leader node dies while phase 2 is being published and relayed.
    await until(async () => (await stream("METRICS")).cluster?.leader !== undefined, "a stream leader");
    const leader = cluster.node((await stream("METRICS")).cluster!.leader!);
    step("phase 2, leader killed");
    const publishing = publish(cluster.url, phase(2));
    await leader.kill();
    await publishing;
    await cluster.ready();
    // The relays deliver phase 2 on the two nodes left, before the lost one is back.
    await until(async () => (await countOrg(a, "acme")) === 2 * PER_PHASE, "phases 1 and 2 on replica a");
    step("leader restarts");
    await leader.start();
    await cluster.ready();

    // A relay dies (SIGKILL) in the middle of phase 3: the other takes its unacked messages.
    step("phase 3, a relay killed");
    const publishing3 = publish(cluster.url, phase(3));
    await until(async () => (await countOrg(a, "acme")) > 2 * PER_PHASE, "phase 3 to be under way");
    relays[0]!.child.kill("SIGKILL");
    await publishing3;

    // A replica stops during phase 4 and catches up when it is back.
    step("phase 4, replica b stopped");
    await b.stop();
    await publish(cluster.url, phase(4));
    await until(async () => (await countOrg(a, "acme")) === 4 * PER_PHASE, "replica a to have everything");
    await until(() => /write failed; retrying with backoff/.test(relays[1]!.output()), "a failed write to b");
    step("replica b back");
    await b.start();

    await everyReplicaHas([a, b], 4);
    step("done");
    // The stream holds each published message once: the retries after the leader's loss were
    // deduplicated. (It also holds the relays' own pm_relay points, on metrics.platform.relay.)
    expect(await messagesOn("metrics.acme.>")).toBe((4 * PER_PHASE) / PER_MESSAGE);
    expect((await stream("DEADLETTER")).state.messages).toBe(0);
    // 18-28 s on a 2-core machine at load 22; every wait above is on a condition with its own bound.
  }, 150_000);

  it("a third replica added to a running system backfills everything still in the stream, then keeps up", async () => {
    [cluster, ...influxes] = await Promise.all([startNatsCluster(), startInflux(), startInflux()]);
    const [a, b] = influxes as [Influx, Influx];
    const first = relay({ a, b });
    await started(first);
    await publish(cluster.url, phase(1));
    await publish(cluster.url, phase(2));
    await everyReplicaHas([a, b], 2);

    // As a rolling update of the relay Deployment with c added to PM_INFLUX_URLS does it.
    const c = await startInflux();
    influxes.push(c);
    const second = relay({ a, b, c });
    await started(second);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    await everyReplicaHas([c], 2);

    await publish(cluster.url, phase(3));
    await everyReplicaHas([a, b, c], 3);
    const consumer = await withNats(cluster.url, async (nc) =>
      (await jetstreamManager(nc)).consumers.info("METRICS", "relay-c"),
    );
    expect(consumer.num_pending).toBe(0);
  }, 150_000);

  it("PM_STREAM_REPLICAS takes 1 to 5 copies and names the setting otherwise", () => {
    const config = (value: string) =>
      loadRelayConfig({ env: { PM_INFLUX_URLS: "a=http://127.0.0.1:8086", PM_STREAM_REPLICAS: value } });
    expect(config("3").streamReplicas).toBe(3);
    for (const bad of ["0", "6", "three", "1.5"]) expect(() => config(bad)).toThrow(/PM_STREAM_REPLICAS/);
  });
});
