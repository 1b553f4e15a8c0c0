import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectOnce, silentLogger } from "@platform-metrics/sdk";
import { KubeClient } from "@platform-metrics/sdk/kube";
import {
  type KubeApiServer,
  namespaceObject,
  podObject,
  serviceObject,
  startKubeApi,
  waitFor,
} from "@platform-metrics/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import collector from "../src/collector.js";
import { type Discovery, followDiscovery, stopDiscovery } from "../src/discovery/follow.js";
import type { ComponentStatusState } from "../src/state.js";
import { answer, startServer, type TestServer } from "./helpers.js";

let api: KubeApiServer;
let app: TestServer;
let discovery: Discovery | undefined;

const EXPOSITION = "# TYPE app_up gauge\napp_up 1\n";

beforeAll(async () => {
  api = await startKubeApi({ bookmarkIntervalMs: 200 });
  process.env.KUBECONFIG = api.writeKubeconfig();
  app = await startServer((request, response) => {
    if (request.url === "/metricsz" || request.url === "/custom")
      answer(200, "text/plain; version=0.0.4", EXPOSITION)(request, response);
    else response.writeHead(404).end();
  });
  api.create("namespaces", namespaceObject("shop", { "platform-metrics.io/org": "shop" }));
  api.create("namespaces", namespaceObject("tools"));
});
afterEach(async () => {
  await stopDiscovery(discovery);
  discovery = undefined;
});
afterAll(async () => {
  await app?.close();
  await api?.close();
});

const scrapeAnnotations = (extra: Record<string, string> = {}) => ({
  "platform-metrics.io/scrape": "true",
  "platform-metrics.io/port": String(app.port),
  ...extra,
});

function pod(
  namespace: string,
  name: string,
  options: { ready?: boolean; annotations?: Record<string, string> } = {},
) {
  return podObject(namespace, name, {
    podIP: "127.0.0.1",
    ports: { metrics: app.port },
    ready: options.ready,
    annotations: options.annotations ?? scrapeAnnotations(),
  });
}

function follow(): Discovery {
  discovery = followDiscovery(KubeClient.fromEnvironment(), {
    orgLabel: "platform-metrics.io/org",
    retryMaxMs: 1000,
    log: silentLogger,
  });
  return discovery;
}

const state = (d: Discovery): ComponentStatusState => ({ targets: [], discovery: d, lastProbed: new Map() });

/** One round over the running informers: the targets it probed, by name, with their points' org. */
async function roundOver(s: ComponentStatusState) {
  const points = await collectOnce({ ...collector, setup: () => s, teardown: undefined }, {});
  const status = points.filter((p) => p.measurement === "component_status");
  return {
    points,
    targets: status.map((p) => p.tags.target!).sort(),
    orgOf: (target: string) => status.find((p) => p.tags.target === target)?.tags.org,
    upOf: (target: string) => status.find((p) => p.tags.target === target)?.fields.up?.value,
  };
}

const podNames = (d: Discovery) => [...d.pods.objects.keys()].sort();

describe("discovery", () => {
  it("scrapes annotated, ready pods with the org of their namespace, and follows scaling", async () => {
    api.create("pods", pod("shop", "web-0"));
    const d = follow();
    await waitFor("the first lists", () => d.pods.synced && d.namespaces.synced && d.services.synced);
    let found = await roundOver(state(d));
    expect(found.targets).toEqual([`pod/shop/web-0:${app.port}`]);
    expect(found.orgOf(`pod/shop/web-0:${app.port}`)).toBe("shop");
    expect(found.upOf(`pod/shop/web-0:${app.port}`)).toBe(1n);
    const sample = found.points.find((p) => p.measurement === "component_scrape")!;
    expect(sample.tags).toMatchObject({ org: "shop", target: `pod/shop/web-0:${app.port}` });

    api.create("pods", pod("shop", "web-1"));
    api.create("pods", pod("shop", "web-2"));
    await waitFor("the scaled-up pods", () => d.pods.objects.size === 3);
    found = await roundOver(state(d));
    expect(found.targets).toEqual([0, 1, 2].map((i) => `pod/shop/web-${i}:${app.port}`));

    api.delete("pods", "shop", "web-2");
    await waitFor("the scale-down", () => d.pods.objects.size === 2);
    expect((await roundOver(state(d))).targets).toHaveLength(2);
    api.delete("pods", "shop", "web-1");
    api.delete("pods", "shop", "web-0");
  });

  it("leaves out a pod until it is Ready, and a pod whose annotation is removed", async () => {
    api.create("pods", pod("shop", "starting", { ready: false }));
    api.create("pods", pod("shop", "steady"));
    const d = follow();
    await waitFor("the pods", () => podNames(d).length === 2);
    expect((await roundOver(state(d))).targets).toEqual([`pod/shop/steady:${app.port}`]);

    api.patch("pods", "shop", "starting", (object) => {
      const status = object.status as { conditions: { type: string; status: string }[] };
      for (const condition of status.conditions) condition.status = "True";
    });
    await waitFor("the pod to become ready", () => d.pods.objects.get("shop/starting")?.ready === true);
    expect((await roundOver(state(d))).targets).toEqual([
      `pod/shop/starting:${app.port}`,
      `pod/shop/steady:${app.port}`,
    ]);

    api.patch("pods", "shop", "steady", (object) => {
      (object.metadata as { annotations?: Record<string, string> }).annotations = {};
    });
    await waitFor("the annotation to go", () => d.pods.objects.get("shop/steady")?.scrape === false);
    expect((await roundOver(state(d))).targets).toEqual([`pod/shop/starting:${app.port}`]);
    api.delete("pods", "shop", "starting");
    api.delete("pods", "shop", "steady");
  });

  it("scrapes an annotated service by its cluster IP and named port, on the annotated path", async () => {
    api.create(
      "services",
      serviceObject("tools", "api", {
        clusterIP: "127.0.0.1",
        ports: { web: 1, metrics: app.port },
        annotations: {
          "platform-metrics.io/scrape": "true",
          "platform-metrics.io/port": "metrics",
          "platform-metrics.io/path": "/custom",
        },
      }),
    );
    const d = follow();
    await waitFor("the service", () => d.services.objects.size === 1 && d.namespaces.synced);
    const found = await roundOver(state(d));
    const name = `service/tools/api:${app.port}`;
    expect(found.targets).toEqual([name]);
    expect(found.upOf(name)).toBe(1n);
    // No org label on the namespace: PM_ORG.
    expect(found.orgOf(name)).toBe("platform");
    expect(app.requests.at(-1)!.url).toBe("/custom");

    api.patch("namespaces", undefined, "tools", (object) => {
      (object.metadata as { labels: Record<string, string> }).labels["platform-metrics.io/org"] =
        "tools-team";
    });
    await waitFor("the org label", () => d.namespaces.objects.get("tools")?.org === "tools-team");
    expect((await roundOver(state(d))).orgOf(name)).toBe("tools-team");

    // A label that is no valid org: PM_ORG, never a subject the label's writer chose.
    api.patch("namespaces", undefined, "tools", (object) => {
      (object.metadata as { labels: Record<string, string> }).labels["platform-metrics.io/org"] = "Bad.Org";
    });
    await waitFor("the bad org label", () => d.namespaces.objects.get("tools")?.org === "Bad.Org");
    expect((await roundOver(state(d))).orgOf(name)).toBe("platform");
    api.delete("services", "tools", "api");
  });

  it("skips an object with a bad annotation and keeps the others; an interval annotation spaces its probes", async () => {
    api.create(
      "pods",
      pod("shop", "ftp", { annotations: scrapeAnnotations({ "platform-metrics.io/scheme": "ftp" }) }),
    );
    api.create(
      "pods",
      pod("shop", "hourly", { annotations: scrapeAnnotations({ "platform-metrics.io/interval": "1h" }) }),
    );
    api.create("pods", pod("shop", "every", {}));
    const d = follow();
    await waitFor("the pods", () => d.pods.objects.size === 3);
    const s = state(d);
    expect((await roundOver(s)).targets).toEqual([
      `pod/shop/every:${app.port}`,
      `pod/shop/hourly:${app.port}`,
    ]);
    // The next round comes well within the hour: the hourly pod is not due.
    expect((await roundOver(s)).targets).toEqual([`pod/shop/every:${app.port}`]);
    for (const name of ["ftp", "hourly", "every"]) api.delete("pods", "shop", name);
  });

  it("does not let an API server that is down take the static targets' time", async () => {
    const gone = await startKubeApi();
    // Kept past close(), which removes the server's own directory.
    const kubeconfig = join(mkdtempSync(join(tmpdir(), "pm-cs-kube-")), "kubeconfig");
    copyFileSync(gone.writeKubeconfig(), kubeconfig);
    await gone.close();
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = kubeconfig;
    try {
      const d = follow();
      const s: ComponentStatusState = {
        targets: [
          {
            name: "static",
            kind: "static",
            url: `${app.url}/metricsz`,
            timeoutMs: 60_000,
            headers: {},
            scrape: false,
            rejectUnauthorized: true,
          },
        ],
        discovery: d,
        lastProbed: new Map(),
      };
      const points = await collectOnce(
        { ...collector, setup: () => s, teardown: undefined },
        { interval: "2s" },
      );
      const status = points
        .filter((p) => p.measurement === "component_status")
        .find((p) => p.tags.target === "static");
      expect(status?.fields.up?.value).toBe(1n);
      expect(points.find((p) => p.measurement === "component_round")?.fields.discovered?.value).toBe(0n);
    } finally {
      process.env.KUBECONFIG = saved;
    }
  });
});
