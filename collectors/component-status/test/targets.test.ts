import { podObject, serviceObject } from "@platform-metrics/testing";
import { describe, expect, it } from "vitest";
import { podRecord, serviceRecord } from "../src/discovery/records.js";
import { type DiscoveredTargets, targetsOf } from "../src/discovery/targets.js";

const defaults = { timeoutMs: 5000, orgOf: () => undefined };

function targets(kind: "pod" | "service", records: ReturnType<typeof podRecord>[]): DiscoveredTargets {
  const found: DiscoveredTargets = { targets: [], problems: [] };
  targetsOf(kind, records, defaults, found);
  return found;
}

const scrape = (extra: Record<string, string> = {}) => ({ "platform-metrics.io/scrape": "true", ...extra });

describe("targets from annotations", () => {
  it("makes one target per annotated port, by number or name, on the annotated path and scheme", () => {
    const pod = podRecord(
      podObject("shop", "web-0", {
        podIP: "10.1.2.3",
        ports: { http: 8080, metrics: 9100 },
        annotations: scrape({
          "platform-metrics.io/port": "metrics, 8081",
          "platform-metrics.io/path": "/stats?format=prom",
          "platform-metrics.io/scheme": "https",
        }),
      }),
    );
    expect(targets("pod", [pod]).targets.map((t) => [t.name, t.url])).toEqual([
      ["pod/shop/web-0:9100", "https://10.1.2.3:9100/stats?format=prom"],
      ["pod/shop/web-0:8081", "https://10.1.2.3:8081/stats?format=prom"],
    ]);
  });

  it("without a port annotation takes every declared port; a headless service is reached by its DNS name", () => {
    const service = serviceRecord(
      serviceObject("tools", "api", { clusterIP: "None", ports: { a: 80, b: 81 }, annotations: scrape() }),
    );
    expect(targets("service", [service]).targets.map((t) => t.url)).toEqual([
      "http://api.tools.svc:80/metricsz",
      "http://api.tools.svc:81/metricsz",
    ]);
  });

  it("writes an IPv6 pod address in brackets", () => {
    const pod = podRecord(
      podObject("shop", "v6", { podIP: "fd00::1", ports: { m: 9000 }, annotations: scrape() }),
    );
    expect(targets("pod", [pod]).targets[0]!.url).toBe("http://[fd00::1]:9000/metricsz");
  });

  it("ignores objects not annotated, and pods not Running and Ready", () => {
    const records = [
      podRecord(podObject("shop", "plain", { ports: { m: 9000 } })),
      podRecord(
        podObject("shop", "off", {
          ports: { m: 9000 },
          annotations: { "platform-metrics.io/scrape": "false" },
        }),
      ),
      podRecord(
        podObject("shop", "pending", { phase: "Pending", ports: { m: 9000 }, annotations: scrape() }),
      ),
      podRecord(podObject("shop", "unready", { ready: false, ports: { m: 9000 }, annotations: scrape() })),
    ];
    expect(targets("pod", records)).toEqual({ targets: [], problems: [] });
  });

  it.each([
    [{ "platform-metrics.io/scheme": "ftp" }, "scheme"],
    [{ "platform-metrics.io/path": "metrics" }, "path"],
    [{ "platform-metrics.io/interval": "often" }, "interval"],
    [{ "platform-metrics.io/interval": "10ms" }, "interval"],
    [{ "platform-metrics.io/port": "nope" }, "port"],
  ])("skips an object annotated %j, naming the %s", (annotation, named) => {
    const pod = podRecord(podObject("shop", "bad", { ports: { m: 9000 }, annotations: scrape(annotation) }));
    const found = targets("pod", [pod]);
    expect(found.targets).toEqual([]);
    expect(found.problems).toHaveLength(1);
    expect(found.problems[0]).toContain("pod shop/bad");
    expect(found.problems[0]).toContain(named);
  });

  it("says so when a pod declares no port and has no port annotation", () => {
    const pod = podRecord(podObject("shop", "noports", { annotations: scrape() }));
    expect(targets("pod", [pod]).problems[0]).toContain("no port declared");
  });
});
