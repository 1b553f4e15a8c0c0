import { existsSync, mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterEach, describe, expect, it } from "vitest";
import { type NatsServer, PortInUseError, startNats } from "../src/index.js";
import { acceptsConnections, listenOn } from "./ports.js";

const servers: NatsServer[] = [];
const clients: NatsConnection[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((nc) => nc.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function started(options?: Parameters<typeof startNats>[0]): Promise<NatsServer> {
  const server = await startNats(options);
  servers.push(server);
  return server;
}

async function client(server: NatsServer): Promise<NatsConnection> {
  const nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
  clients.push(nc);
  return nc;
}

/** A stream T on t.> holding the given messages. */
async function streamWith(nc: NatsConnection, ...messages: string[]): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: "T", subjects: ["t.>"] });
  for (const [i, message] of messages.entries()) await jetstream(nc).publish(`t.${i}`, message);
}

async function storedMessages(nc: NatsConnection): Promise<string[]> {
  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info("T");
  const messages: string[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
    messages.push((await jsm.streams.getMessage("T", { seq }))!.string());
  }
  return messages;
}

/** Resolves at the client's next reconnect; call it before the server goes away. */
function nextReconnect(nc: NatsConnection): Promise<string[]> {
  const events: string[] = [];
  return (async () => {
    for await (const status of nc.status()) {
      events.push(status.type);
      if (status.type === "reconnect") return events;
    }
    throw new Error(`the connection closed without reconnecting (events: ${events.join(", ")})`);
  })();
}

/** A JetStream publish during a restart can go unanswered; retried with the same id, as the SDK does. */
async function publishUntilAcked(nc: NatsConnection, subject: string, data: string): Promise<number> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      return (await jetstream(nc).publish(subject, data, { msgID: data, timeout: 1000 })).seq;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

describe("startNats", () => {
  it("runs JetStream on its own free port, never the shared 4222", async () => {
    const nats = await started();
    expect(nats.port).not.toBe(4222);
    expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
    expect(nats.running).toBe(true);
    expect(existsSync(nats.storeDir)).toBe(true);
    expect(nats.storeDir).toMatch(/pm-test-nats-/);

    const nc = await client(nats);
    await streamWith(nc, "one", "two");
    const consumer = await jetstream(nc).consumers.get("T");
    const read: string[] = [];
    for await (const message of await consumer.fetch({ max_messages: 2, expires: 5000 })) {
      read.push(message.string());
    }
    expect(read).toEqual(["one", "two"]);
    expect(nc.info?.server_name).toBe(nats.name);
  });

  it("keeps the stream's messages and its port across stop and start", async () => {
    const nats = await started();
    const nc = await client(nats);
    await streamWith(nc, "one", "two");
    const { port } = nats;
    const reconnected = nextReconnect(nc);

    await nats.stop();
    expect(nats.running).toBe(false);
    expect(nats.pid).toBeUndefined();
    expect(await acceptsConnections(port)).toBe(false);

    await nats.start();
    expect(nats.running).toBe(true);
    expect(nats.port).toBe(port);
    await reconnected;
    expect(await publishUntilAcked(nc, "t.2", "three")).toBe(3);
    expect(await storedMessages(nc)).toEqual(["one", "two", "three"]);
  });

  it("keeps acknowledged messages through a SIGKILL", async () => {
    const nats = await started();
    const nc = await client(nats);
    await streamWith(nc, "one", "two");
    const pid = nats.pid;
    const reconnected = nextReconnect(nc);

    await nats.kill();
    expect(nats.running).toBe(false);
    await nats.start();
    expect(nats.pid).not.toBe(pid);
    await reconnected;
    expect(await publishUntilAcked(nc, "t.2", "three")).toBe(3);
    expect(await storedMessages(nc)).toEqual(["one", "two", "three"]);
  });

  it("lets a connected client reconnect by itself after a restart", async () => {
    const nats = await started();
    const nc = await client(nats);
    const reconnected = nextReconnect(nc);

    await nats.restart();
    expect(await reconnected).toContain("disconnect");
    const sub = nc.subscribe("ping", { max: 1 });
    nc.publish("ping", "after restart");
    for await (const message of sub) expect(message.string()).toBe("after restart");
  });

  it("pause() makes it hang without closing connections, resume() brings it back", async () => {
    const nats = await started();
    const nc = await client(nats);
    await streamWith(nc);

    await nats.pause();
    expect(nats.paused).toBe(true);
    await expect(jetstream(nc).publish("t.a", "lost", { timeout: 300, retries: 1 })).rejects.toThrow();
    await nats.resume();
    expect(nats.paused).toBe(false);
    expect(await publishUntilAcked(nc, "t.a", "kept")).toBeGreaterThan(0);
    expect(await storedMessages(nc)).toContain("kept");
  });

  it("stops a paused server cleanly", async () => {
    const nats = await started();
    await nats.pause();
    await nats.stop();
    expect(nats.running).toBe(false);
    expect(nats.paused).toBe(false);
  });

  it("without JetStream, the server says so", async () => {
    const nats = await started({ jetstream: false });
    const nc = await client(nats);
    expect(nc.info?.jetstream).toBeFalsy();
    await expect(jetstreamManager(nc)).rejects.toThrow(/jetstream/i);
  });

  it("waits for its port when another process holds it at restart, and says so when it never frees", async () => {
    const nats = await started();
    await nats.stop();
    const squatter: Server = await listenOn(nats.port);
    await expect(nats.start({ portWaitMs: 300 })).rejects.toThrow(PortInUseError);
    await expect(nats.start({ portWaitMs: 300 })).rejects.toThrow(
      new RegExp(`could not listen on port ${nats.port} again within 300 ms: another process holds it`),
    );
    expect(nats.running).toBe(false);

    const starting = nats.start();
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    await starting;
    expect(nats.running).toBe(true);
    const nc = await client(nats);
    expect(nc.info?.server_name).toBe(nats.name);
  });

  it("close() removes the store, frees the port, can be called twice, and forbids a start", async () => {
    const nats = await startNats();
    const nc = await connect({ servers: nats.url, maxReconnectAttempts: 0 });
    await streamWith(nc, "one");
    await nc.close();

    await Promise.all([nats.close(), nats.close()]);
    await nats.close();
    expect(nats.running).toBe(false);
    expect(existsSync(nats.storeDir)).toBe(false);
    expect(await acceptsConnections(nats.port)).toBe(false);
    const taken = await listenOn(nats.port);
    taken.close();
    await expect(nats.start()).rejects.toThrow(/nats-server was closed/);
  });

  it("with storeDir, keeps the stream there after close(), for a new server on another port", async () => {
    const storeDir = mkdtempSync(join(tmpdir(), "pm-nats-kept-"));
    try {
      const first = await startNats({ storeDir, detached: true });
      const nc = await connect({ servers: first.url, maxReconnectAttempts: 0 });
      await streamWith(nc, "kept");
      await nc.close();
      await first.close();
      expect(existsSync(storeDir)).toBe(true);
      const second = await started({ storeDir });
      expect(await storedMessages(await client(second))).toEqual(["kept"]);
    } finally {
      rmSync(storeDir, { recursive: true, force: true });
    }
  });

  it("refuses a second start while running", async () => {
    const nats = await started();
    await expect(nats.start()).rejects.toThrow(/nats-server is already running \(pid \d+\)/);
  });

  it("fails with the server's own output when it cannot start", async () => {
    const failure = startNats({ args: ["--no-such-flag"] });
    await expect(failure).rejects.toThrow(/nats-server exited with 0 while starting:/);
    await expect(failure).rejects.toThrow("flag provided but not defined: -no-such-flag");
  });

  it("rejects bad options with a message naming the value", async () => {
    await expect(startNats({ args: "-DV" as unknown as string[] })).rejects.toThrow(
      'startNats: args must be an array of strings, got "-DV"',
    );
    await expect(startNats({ args: ["-DV", "--port=4222"] })).rejects.toThrow(
      'startNats: args may not set "--port=4222"; the helper sets address, port, store and name',
    );
    await expect(startNats({ storeDir: 7 as unknown as string })).rejects.toThrow(
      "startNats: storeDir must be a directory path, got 7",
    );
    await expect(startNats({ jetstream: "yes" as unknown as boolean })).rejects.toThrow(
      'startNats: jetstream must be true or false, got "yes"',
    );
  });
});
