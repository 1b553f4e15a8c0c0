import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Relay } from "../src/relay.js";
import {
  countOrg,
  DB,
  points,
  publish,
  RECENT,
  readDeadLetters,
  type Servers,
  startServers,
  startTestRelay,
  until,
} from "./helpers.js";

const T = String(RECENT);

describe("relay", () => {
  let servers: Servers;
  let relay: Relay;

  beforeAll(async () => {
    servers = await startServers();
    ({ relay } = await startTestRelay(servers));
  });
  afterAll(async () => {
    await relay?.stop();
    await servers?.close();
  });

  it("delivers 200,000 points across orgs and sources to both replicas, the same count per org on each", async () => {
    const expected = { acme: 80_000, globex: 60_000, initech: 58_000, umbrella: 2000 };
    await publish(servers.nats.url, [
      ...points("acme", "k8s-api", 50_000, 5000),
      ...points("acme", "perf", 30_000, 5000),
      ...points("globex", "catalog", 60_000, 5000),
      ...points("initech", "storage-probe", 58_000, 2000),
    ]);
    // Telegraf's outputs.nats default: one line per message, no Nats-Msg-Id. (How many such
    // messages a second the relay takes is measured by bench/relay-process.mjs, not here.)
    const telegraf = points("umbrella", "telegraf", 2000, 1).map(({ subject, payload }) => ({
      subject,
      payload,
    }));
    await publish(servers.nats.url, telegraf);

    for (const [org, count] of Object.entries(expected)) {
      await until(
        async () => (await countOrg(servers.a, org)) === count && (await countOrg(servers.b, org)) === count,
        `${org} on both replicas`,
      );
    }
    for (const [org, count] of Object.entries(expected)) {
      expect(await countOrg(servers.a, org)).toBe(count);
      expect(await countOrg(servers.b, org)).toBe(count);
    }
  });

  it("overwrites a spoofed org tag with the org of the subject", async () => {
    await publish(servers.nats.url, [
      {
        subject: "metrics.acme.sneaky",
        payload: `relay_spoof,org=globex,host=x v=1i ${T}\nrelay_spoof v=2i ${RECENT + 1n}`,
      },
    ]);
    await until(
      async () =>
        (await countOrg(servers.a, "acme", "relay_spoof")) === 2 &&
        (await countOrg(servers.b, "acme", "relay_spoof")) === 2,
      "spoofed points",
    );
    expect(await countOrg(servers.a, "globex", "relay_spoof")).toBe(0);
    expect(await countOrg(servers.b, "globex", "relay_spoof")).toBe(0);
  });

  it("stamps a line without a timestamp with the message's JetStream time, the same on both replicas", async () => {
    await publish(servers.nats.url, [
      { subject: "metrics.acme.telegraf", payload: "relay_nots,host=x v=7i" },
    ]);
    const times = async (influx: Servers["a"]) => {
      const result = await influx.query(`SELECT "v" FROM "relay_nots"`, { db: DB }).catch(() => undefined);
      return result?.results[0]?.series?.[0]?.values.map((row) => row[0]) ?? [];
    };
    await until(
      async () => (await times(servers.a)).length === 1 && (await times(servers.b)).length === 1,
      "stamped point",
    );
    expect(await times(servers.a)).toEqual(await times(servers.b));
  });

  it("dead-letters each bad line with its reason while the good lines of the same message land", async () => {
    const good = (i: number) => `relay_mixed,host=h v=${i}i ${RECENT + BigInt(i)}`;
    const bad = [
      `relay_mixed,host=h ${T}`,
      `relay_mixed,host=h v=NaN ${T}`,
      `relay_mixed,host=h v=1i ${T.slice(0, -2)}x0`,
      `relay_mixed,=h v=1i ${T}`,
      `relay_mixed,host=h v=1i ${T} garbage`,
      `relay_mixed,host=h s="${"x".repeat(70_000)}" ${T}`,
    ];
    // Good lines 1 to 7 around the bad ones, 9 after invalid UTF-8, 10 before an unterminated string.
    const text = [good(1), ...bad.flatMap((line, i) => [line, good(i + 2)])].join("\n");
    const invalidUtf8 = Buffer.concat([
      Buffer.from(`${good(9)}\n`),
      Buffer.from([0x72, 0x65, 0xff, 0xfe, 0x20, 0x76, 0x3d, 0x31]),
      Buffer.from(`\n`),
    ]);
    // A string field may hold newlines, so an unclosed quote runs to the next quote: InfluxDB reads it
    // so too. Only an unclosed string at the end of a message is unterminated.
    const unterminated = `relay_mixed,host=h s="never closed ${T}`;
    bad.push(unterminated);
    await publish(servers.nats.url, [
      { subject: "metrics.acme.bad", payload: text, id: "bad-1" },
      { subject: "metrics.acme.bad", payload: invalidUtf8, id: "bad-2" },
      { subject: "metrics.acme.empty", payload: new Uint8Array(0), id: "bad-3" },
      { subject: "metrics.acme.bad", payload: `${good(10)}\n${unterminated}`, id: "bad-4" },
    ]);
    await until(
      async () =>
        (await countOrg(servers.a, "acme", "relay_mixed")) === 9 &&
        (await countOrg(servers.b, "acme", "relay_mixed")) === 9,
      "good lines",
    );
    const acmeLetters = async () =>
      (await readDeadLetters(servers.nats.url)).filter((d) =>
        /^deadletter\.metrics\.acme\.(bad|empty)$/.test(d.subject),
      );
    await until(async () => (await acmeLetters()).length >= bad.length + 2, "dead letters");
    const letters = await acmeLetters();
    expect(letters).toHaveLength(bad.length + 2);
    for (const line of bad) {
      const letter = letters.find((d) => d.data === line);
      expect(letter, line.slice(0, 60)).toBeDefined();
      expect(letter!.reason).toBeTruthy();
    }
    expect(letters.find((d) => d.data.startsWith("relay_mixed,host=h v=NaN"))!.reason).toMatch(/NaN/i);
    expect(letters.find((d) => d.data.includes("x".repeat(100)))!.reason).toMatch(/longer than|bytes/i);
    expect(letters.find((d) => d.subject === "deadletter.metrics.acme.empty")!.reason).toMatch(/empty/i);
    expect(letters.find((d) => /invalid UTF-8/.test(d.reason ?? ""))!.data).toContain("re\uFFFD\uFFFD v=1");
    expect(letters.find((d) => d.data === unterminated)!.reason).toMatch(/unterminated string/);
  });

  it("dead-letters a line with a field named org, source or cluster, and writes its neighbours", async () => {
    const attack = [
      `relay_reserved,host=x org="acme",v=2.5 ${T}`,
      `relay_reserved,host=x v=2.5,source="x" ${T}`,
      `relay_reserved,host=x cluster=1i ${T}`,
    ];
    const good = `relay_reserved,host=x v=1.5 ${T}`;
    await publish(servers.nats.url, [
      {
        subject: "metrics.evil.reserved",
        payload: [attack[0], good, ...attack.slice(1)].join("\n"),
        id: "rsv-1",
      },
    ]);
    const letters = async () =>
      (await readDeadLetters(servers.nats.url)).filter(
        (d) => d.subject === "deadletter.metrics.evil.reserved",
      );
    await until(async () => (await letters()).length >= attack.length, "dead letters");
    for (const influx of [servers.a, servers.b]) {
      await until(async () => (await countOrg(influx, "evil", "relay_reserved")) === 1, "the good line");
      const keys = await influx.query('SHOW FIELD KEYS FROM "relay_reserved"', { db: DB });
      expect(keys.results[0]!.series![0]!.values.map((row) => row[0])).toEqual(["v"]);
    }
    const reasons = new Map((await letters()).map((d) => [d.data, d.reason]));
    expect([...reasons.keys()].sort()).toEqual([...attack].sort());
    expect(reasons.get(attack[0]!)).toMatch(/^field key "org" is not allowed/);
    expect(reasons.get(attack[1]!)).toMatch(/^field key "source" is not allowed/);
    expect(reasons.get(attack[2]!)).toMatch(/^field key "cluster" is not allowed/);
  });

  it("dead-letters a field-type conflict with InfluxDB's message and keeps the rest of the batch", async () => {
    await publish(servers.nats.url, [
      { subject: "metrics.acme.types", payload: `relay_types,host=h v=1i ${T}`, id: "types-1" },
    ]);
    await until(
      async () =>
        (await countOrg(servers.a, "acme", "relay_types")) === 1 &&
        (await countOrg(servers.b, "acme", "relay_types")) === 1,
      "the integer point",
    );
    await publish(servers.nats.url, [
      {
        subject: "metrics.acme.types",
        payload: `relay_types,host=h v=2.5 ${RECENT + 1n}\nrelay_types,host=h v=3i ${RECENT + 2n}`,
        id: "types-2",
      },
    ]);
    await until(
      async () =>
        (await countOrg(servers.a, "acme", "relay_types")) === 2 &&
        (await countOrg(servers.b, "acme", "relay_types")) === 2,
      "the good line",
    );
    await until(
      async () =>
        (await readDeadLetters(servers.nats.url)).filter((d) => d.subject === "deadletter.metrics.acme.types")
          .length === 2,
      "a dead letter per replica",
    );
    const letters = (await readDeadLetters(servers.nats.url)).filter(
      (d) => d.subject === "deadletter.metrics.acme.types",
    );
    expect(letters.map((d) => d.replica).sort()).toEqual(["a", "b"]);
    for (const letter of letters) {
      expect(letter.data).toBe(`relay_types,host=h,org=acme v=2.5 ${RECENT + 1n}`);
      expect(letter.reason).toMatch(
        /field type conflict: input field "v" on measurement "relay_types" is type float, already exists as type integer/,
      );
    }
  });
});
