import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, resolveCollectorConfig } from "@platform-metrics/sdk";
import { afterAll, describe, expect, it } from "vitest";
import collector from "../src/collector.js";
import type { ComponentStatusConfig } from "../src/config.js";
import { staticTargets } from "../src/static-targets.js";

const dir = mkdtempSync(join(tmpdir(), "pm-cs-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const resolve = (env: Record<string, string>) =>
  resolveCollectorConfig(collector, { env }) as ComponentStatusConfig;

function configFile(text: string): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return file;
}

describe("configuration", () => {
  it("has defaults that need nothing set", () => {
    expect(resolve({})).toMatchObject({
      targets: [],
      timeout: 5000,
      concurrency: 32,
      maxRedirects: 5,
      discovery: false,
      orgLabel: "platform-metrics.io/org",
      interval: 30_000,
    });
  });

  it("reads targets from PM_CONFIG, with every option, and bare URLs from PM_TARGETS", () => {
    const file = configFile(`targets:
  - { name: catalog, url: "http://catalog:8080/healthz", org: platform, timeout: 2s, expectStatus: 200, versionPath: version, headers: { authorization: "Bearer x" } }
  - { name: app, url: "http://app:9000/metricsz", scrape: true }
`);
    const targets = staticTargets(resolve({ PM_CONFIG: file }));
    expect(targets[0]).toMatchObject({
      name: "catalog",
      org: "platform",
      timeoutMs: 2000,
      expectStatus: [200],
      versionPath: "version",
      scrape: false,
    });
    expect(targets[1]).toMatchObject({ name: "app", scrape: true, timeoutMs: 5000 });
    expect(targets[1]!.headers.accept).toContain("application/openmetrics-text");
    const fromEnv = staticTargets(resolve({ PM_TARGETS: "http://a:1/x?token=1,https://b/" }));
    expect(fromEnv.map((t) => t.name)).toEqual(["http://a:1/x", "https://b/"]);
  });

  it("reads the targets of deploy/component-status", () => {
    const file = fileURLToPath(
      new URL("../../../deploy/component-status/config/targets.yaml", import.meta.url),
    );
    expect(staticTargets(resolve({ PM_CONFIG: file })).length).toBeGreaterThan(0);
  });

  it.each([
    ["a URL that is not http", "targets:\n  - { url: 'ftp://x/' }", "http"],
    ["a timeout that is no duration", "targets:\n  - { url: 'http://x/', timeout: soon }", "duration"],
    ["an unknown key", "targets:\n  - { url: 'http://x/', scrap: true }", "scrap"],
    [
      "a name used twice",
      "targets:\n  - { name: a, url: 'http://x/' }\n  - { name: a, url: 'http://y/' }",
      "twice",
    ],
    ["an org that is no subject token", "targets:\n  - { url: 'http://x/', org: 'A.B' }", "org"],
    [
      "a header value with a line break",
      "targets:\n  - { url: 'http://x/', headers: { x-a: \"1\\r\\nx-b: 2\" } }",
      "header value",
    ],
    ["a status out of range", "targets:\n  - { url: 'http://x/', expectStatus: 700 }", "expectStatus"],
  ])("refuses %s in PM_CONFIG, naming it", (_what, text, named) => {
    const file = configFile(text);
    expect(() => resolve({ PM_CONFIG: file })).toThrow(ConfigError);
    expect(() => resolve({ PM_CONFIG: file })).toThrow(named);
  });

  it.each([
    ["PM_CONCURRENCY", "0"],
    ["PM_TIMEOUT", "forever"],
    ["PM_MAX_BODY_BYTES", "12"],
    ["PM_DISCOVERY", "maybe"],
  ])("refuses %s=%j, naming it", (name, value) => {
    expect(() => resolve({ [name]: value })).toThrow(ConfigError);
    expect(() => resolve({ [name]: value })).toThrow(name);
  });

  it("refuses a CA file it cannot read, naming the target and the path", () => {
    const file = configFile("targets:\n  - { name: secure, url: 'https://x/', ca: /no/such/ca.pem }");
    expect(() => staticTargets(resolve({ PM_CONFIG: file }))).toThrow(/secure.*\/no\/such\/ca\.pem/);
  });
});
