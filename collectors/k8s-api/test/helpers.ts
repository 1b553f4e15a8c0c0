import type { Logger, Point } from "@platform-metrics/sdk";
import { collectOnce, resolveCollectorConfig } from "@platform-metrics/sdk";
import { KubeClient } from "@platform-metrics/sdk/kube";
import { type KubeApiServer, startKubeApi, waitFor } from "@platform-metrics/testing";
import collector from "../src/collector.js";
import type { K8sApiConfig } from "../src/config.js";
import { followCluster, type K8sApiState } from "../src/state.js";

export const WIDGETS = {
  group: "example.com",
  version: "v1",
  plural: "widgets",
  kind: "Widget",
  namespaced: true,
};

/** A test API server with the widgets custom resource, and KUBECONFIG pointing at it (this worker only). */
export async function startCluster(): Promise<KubeApiServer> {
  const api = await startKubeApi({ customResources: [WIDGETS], bookmarkIntervalMs: 200 });
  process.env.KUBECONFIG = api.writeKubeconfig();
  return api;
}

export interface LogEntry {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

/** A logger that keeps what it is told, for tests that check what an operator would read. */
export function memoryLogger(entries: LogEntry[] = []): Logger & { entries: LogEntry[] } {
  const at =
    (level: string) =>
    (fields: unknown, message?: string): void => {
      if (typeof fields === "string") entries.push({ level, fields: {}, message: fields });
      else entries.push({ level, fields: (fields ?? {}) as Record<string, unknown>, message: message ?? "" });
    };
  const logger = {
    entries,
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    fatal: at("fatal"),
    child: () => logger,
  };
  return logger as unknown as Logger & { entries: LogEntry[] };
}

export const TEST_SETTINGS = {
  customResources: ["widgets.example.com/v1"],
  retryMax: 1000,
  pageSize: 3,
};

export function testConfig(settings: Record<string, unknown> = {}): K8sApiConfig {
  const overrides = Object.fromEntries(
    Object.entries({ ...TEST_SETTINGS, ...settings }).map(([key, value]) => [key, { value, label: key }]),
  );
  return resolveCollectorConfig(collector, { env: {}, overrides }) as K8sApiConfig;
}

/** The collector's informers, started in this process against the cluster of KUBECONFIG. */
export function follow(settings: Record<string, unknown> = {}, log = memoryLogger()) {
  const state = followCluster(testConfig(settings), log, KubeClient.fromEnvironment());
  return { state, log, stop: () => Promise.all(state.all.map((informer) => informer.stop())) };
}

/** One round of the collector over informers that are already running (setup is theirs). */
export function round(state: K8sApiState, settings: Record<string, unknown> = {}) {
  return collectOnce(
    { ...collector, setup: () => state, teardown: undefined },
    { ...TEST_SETTINGS, ...settings },
  );
}

/** Points of a measurement whose tags include these. */
export function pointsOf(points: Point[], measurement: string, tags: Record<string, string> = {}): Point[] {
  return points.filter(
    (point) =>
      point.measurement === measurement &&
      Object.entries(tags).every(([key, value]) => point.tags[key] === value),
  );
}

/** The one point of a measurement with these tags, its fields as plain values (integers as numbers). */
export function fieldsOf(points: Point[], measurement: string, tags: Record<string, string> = {}) {
  const matching = pointsOf(points, measurement, tags);
  if (matching.length !== 1) {
    throw new Error(
      `expected one ${measurement} point with ${JSON.stringify(tags)}, found ${matching.length}`,
    );
  }
  return Object.fromEntries(
    Object.entries(matching[0]!.fields).map(([key, field]) => [
      key,
      typeof field.value === "bigint" ? Number(field.value) : field.value,
    ]),
  );
}

/** Polls a condition (the informers run in the background) with a generous overall bound. */
export async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(what, check, { timeoutMs, everyMs: 10 });
}
