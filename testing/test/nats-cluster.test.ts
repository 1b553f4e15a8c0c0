import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterEach, describe, expect, it } from "vitest";
import { type NatsCluster, startNatsCluster, waitFor } from "../src/index.js";

let cluster: NatsCluster | undefined;
const clients: NatsConnection[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((nc) => nc.close()));
  await cluster?.close();
  cluster = undefined;
});

async function client(url: string): Promise<NatsConnection> {
  const nc = await connect({ servers: url.split(","), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  clients.push(nc);
  return nc;
}

describe("startNatsCluster", () => {
  it("starts three JetStream nodes that hold an R3 stream and keep it through the loss of its leader", async () => {
    cluster = await startNatsCluster();
    expect(cluster.nodes).toHaveLength(3);
    expect(new Set(cluster.nodes.map((n) => n.port)).size).toBe(3);
    const nc = await client(cluster.url);
    // Creating, publishing and the last read get 30 s, not the client's 5: on a busy machine a 3-node
    // cluster can be slower than that to place a replicated stream or settle a new leader. The waits
    // ask with the usual 5 s and ask again: a stream whose leader just died may leave one unanswered.
    const patient = await jetstreamManager(nc, { timeout: 30_000 });
    const jsm = await jetstreamManager(nc);
    await patient.streams.add({ name: "R3", subjects: ["r3.>"], num_replicas: 3 });
    const js = jetstream(nc, { timeout: 30_000 });
    await js.publish("r3.a", "one", { msgID: "one" });

    // The two followers show in the stream's info once they have caught up with the new stream.
    const info = await waitFor("two stream followers", async () => {
      const current = await jsm.streams.info("R3");
      return current.cluster?.replicas?.length === 2 && current;
    });
    const leader = cluster.node(info.cluster!.leader!);
    await leader.kill();
    await cluster.ready();
    // A new leader among the other two; the message is still there, and new ones are taken.
    await waitFor("a new stream leader", async () => {
      const newLeader = (await jsm.streams.info("R3")).cluster?.leader;
      return newLeader !== undefined && newLeader !== leader.name;
    });
    await js.publish("r3.b", "two", { msgID: "two" });
    expect((await patient.streams.info("R3")).state.messages).toBe(2);

    await leader.start();
    await cluster.ready();
    expect(leader.running).toBe(true);
  });

  it("refuses a size it cannot make", async () => {
    await expect(startNatsCluster({ size: 0 })).rejects.toThrow(/size must be an integer from 1 to 9, got 0/);
  });
});
