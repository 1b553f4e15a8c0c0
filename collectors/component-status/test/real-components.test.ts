import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  freePort,
  type Influx,
  type NatsServer,
  type Prometheus,
  startInflux,
  startNats,
  startPrometheus,
  waitFor,
} from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { round, samplesOf, statusOf } from "./helpers.js";

describe("nats-server -m", () => {
  let nats: NatsServer;
  let monitor: number;
  beforeAll(async () => {
    monitor = await freePort();
    nats = await startNats({ jetstream: false, args: ["-m", String(monitor)] });
  });
  afterAll(() => nats?.close());

  it("is up on /healthz, gives its version from /varz, and /varz scrapes as JSON", async () => {
    const base = `http://127.0.0.1:${monitor}`;
    const points = await round([
      { name: "nats-health", url: `${base}/healthz` },
      { name: "nats-varz", url: `${base}/varz`, versionPath: "version", scrape: true },
    ]);
    expect(statusOf(points, "nats-health")).toMatchObject({ up: 1, http_status: 200 });
    const varz = statusOf(points, "nats-varz");
    expect(varz).toMatchObject({ up: 1, format: "json" });
    expect(varz.version).toMatch(/^2\.\d+\.\d+/);
    const fields = samplesOf(points, "nats-varz").flatMap((p) => Object.keys(p.fields));
    expect(fields).toContain("connections");
    expect(fields).toContain("mem");
  });
});

describe("influxd", () => {
  let influx: Influx;
  beforeAll(async () => {
    influx = await startInflux();
  });
  afterAll(() => influx?.close());

  it("is up on /ping (204); /health is up where served and a status failure where not (1.x)", async () => {
    const points = await round([
      { name: "influx-ping", url: `${influx.url}/ping` },
      { name: "influx-health", url: `${influx.url}/health`, versionPath: "version" },
    ]);
    expect(statusOf(points, "influx-ping")).toMatchObject({ up: 1, http_status: 204 });
    const health = statusOf(points, "influx-health");
    if (health.http_status === 200) expect(health).toMatchObject({ up: 1 });
    else expect(health).toMatchObject({ up: 0, reason: "status", http_status: 404 });
  });
});

/** Every sample line of an exposition, as name + labels (unescaped, sorted), with its value's text. */
function samplesInText(text: string): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: [string, string][] = [];
    for (const m of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels.push([m[1]!, m[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\\n" : c))]);
    }
    out.push({ key: keyOf(match[1]!, labels), value: match[3]! });
  }
  return out;
}

function keyOf(name: string, labels: [string, string][]): string {
  return JSON.stringify([name, labels.sort((a, b) => (a[0] < b[0] ? -1 : 1))]);
}

const COLLECTOR_TAGS = new Set(["org", "source", "target", "cluster"]);

/**
 * Scrapes `url` with this Accept header and checks that every sample of the exposition (fetched just
 * before and just after the round, until both hold the same series) is one point, name and labels
 * unchanged, and that only the samples that are not finite were dropped.
 */
async function expectEverySample(url: string, accept: string, format: string, contentType: string) {
  const fetchText = async () => {
    const response = await fetch(url, { headers: { accept } });
    expect(response.headers.get("content-type")).toContain(contentType);
    return response.text();
  };
  // An exporter adds series as it serves (Prometheus: the first request of a handler, its first
  // self-scrape): compare once the text before and after the round agree.
  for (let attempt = 1; ; attempt++) {
    const before = samplesInText(await fetchText());
    const points = await round([{ name: "exporter", url, scrape: true, accept }]);
    const after = samplesInText(await fetchText());
    const sameSeries = JSON.stringify(before.map((s) => s.key)) === JSON.stringify(after.map((s) => s.key));
    if (!sameSeries && attempt < 10) continue;
    expect(sameSeries).toBe(true);
    const finite = before.filter((s) => !/^[+-]?(inf|nan)$/i.test(s.value));
    const status = statusOf(points, "exporter");
    expect(status).toMatchObject({
      up: 1,
      format,
      samples: finite.length,
      samples_dropped: before.length - finite.length,
    });
    const scraped = samplesOf(points, "exporter").map((p) => {
      const [name] = Object.keys(p.fields);
      const labels = Object.entries(p.tags).filter(([k]) => !COLLECTOR_TAGS.has(k));
      return keyOf(name!, labels);
    });
    expect(scraped.sort()).toEqual(finite.map((s) => s.key).sort());
    return scraped.length;
  }
}

describe("Prometheus's own /metrics", () => {
  let prometheus: Prometheus;
  beforeAll(async () => {
    prometheus = await startPrometheus();
  });
  afterAll(() => prometheus?.close());

  it("keeps every sample of its Prometheus text, names and label values unchanged", async () => {
    const count = await expectEverySample(
      `${prometheus.url}/metrics`,
      "text/plain;version=0.0.4",
      "prometheus",
      "text/plain; version=0.0.4",
    );
    expect(count).toBeGreaterThan(100);
  });

  it("asked for OpenMetrics, gets what it serves (2.42 answers Prometheus text) and keeps every sample", async () => {
    const response = await fetch(`${prometheus.url}/metrics`, { headers: { accept: OPENMETRICS } });
    await response.body?.cancel();
    const contentType = response.headers.get("content-type") ?? "";
    const format = contentType.startsWith("application/openmetrics-text") ? "openmetrics" : "prometheus";
    const count = await expectEverySample(
      `${prometheus.url}/metrics`,
      OPENMETRICS,
      format,
      contentType.split(";")[0]!,
    );
    expect(count).toBeGreaterThan(100);
  });
});

const OPENMETRICS =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.9";

describe("an exporter of the Prometheus Python client", () => {
  let exporter: ChildProcess;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/metrics`;
    exporter = spawn(
      "/usr/bin/python3",
      [fileURLToPath(new URL("fixtures/openmetrics-exporter.py", import.meta.url)), String(port)],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    await waitFor(
      "the exporter to listen",
      async () => (await fetch(url).catch(() => undefined))?.ok === true,
    );
  });
  afterAll(() => exporter?.kill());

  it("keeps every OpenMetrics sample (counters' _total and _created, info, histogram, summary)", async () => {
    const count = await expectEverySample(url, OPENMETRICS, "openmetrics", "application/openmetrics-text");
    expect(count).toBeGreaterThan(20);
  });

  it("keeps every sample of the same metrics in Prometheus text", async () => {
    await expectEverySample(url, "text/plain;version=0.0.4", "prometheus", "text/plain");
  });
});
