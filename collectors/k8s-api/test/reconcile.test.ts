import { setTimeout as sleep } from "node:timers/promises";
import {
  customObject,
  deploymentObject,
  type KubeApiServer,
  namespaceObject,
} from "@platform-metrics/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { K8sApiState } from "../src/state.js";
import { fieldsOf, follow, pointsOf, round, startCluster, until } from "./helpers.js";

const WIDGET = { group: "example.com", version: "v1", plural: "widgets", kind: "Widget" };
const SETTINGS = { customResources: [WIDGET] };
// The scripted controller's delay between seeing a new generation and reporting it observed.
const DELAY_MS = 700;

let api: KubeApiServer;
let running: ReturnType<typeof follow> | undefined;

beforeAll(async () => {
  api = await startCluster();
  api.create("namespaces", namespaceObject("shop"));
  api.create("deployments", deploymentObject("shop", "web", { replicas: 1 }));
  api.create("widgets", customObject("example.com/v1", "Widget", "shop", "w1"));
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
});
afterAll(() => api.close());

function start(settings: Record<string, unknown>) {
  running = follow(settings);
  return running;
}

interface Generations {
  generation: number;
  observedGeneration: number | undefined;
}

/**
 * Raises the object's generation, waits DELAY_MS once the collector has seen it, then reports it
 * observed, as a controller would. Returns the bounds the collector's reading must fall within:
 * it saw the rise between the first write and `seenRise`, and the catch-up between the second
 * write and `seenCatchUp` (each measured here, on the same clock).
 */
async function scriptedReconcile(
  resource: string,
  held: () => Generations | undefined,
  changeSpec: (spec: Record<string, unknown>) => void,
) {
  const generation = held()!.generation + 1;
  const wroteRise = performance.now();
  api.patch(resource, "shop", resource === "widgets" ? "w1" : "web", (object) => {
    changeSpec(object.spec as Record<string, unknown>);
  });
  await until(() => held()?.generation === generation, "the new generation");
  const seenRise = performance.now();
  // A timer may fire a fraction of a millisecond early by this clock: wait until it says DELAY_MS.
  while (performance.now() - seenRise < DELAY_MS) await sleep(DELAY_MS - (performance.now() - seenRise) + 1);
  const wroteCatchUp = performance.now();
  api.patch(resource, "shop", resource === "widgets" ? "w1" : "web", (object) => {
    (object.status as Record<string, unknown>).observedGeneration = generation;
  });
  await until(() => held()?.observedGeneration === generation, "the observed generation");
  const seenCatchUp = performance.now();
  return { atLeast: wroteCatchUp - seenRise, atMost: seenCatchUp - wroteRise };
}

function expectOneSample(fields: Record<string, unknown>, bounds: { atLeast: number; atMost: number }) {
  expect(fields.count).toBe(1);
  expect(fields.pending).toBe(0);
  const ms = fields.max_ms as number;
  expect(bounds.atLeast).toBeGreaterThanOrEqual(DELAY_MS);
  expect(ms).toBeGreaterThanOrEqual(bounds.atLeast);
  expect(ms).toBeLessThanOrEqual(bounds.atMost);
  // One sample: every statistic is that sample.
  expect(fields).toMatchObject({ mean_ms: ms, p50_ms: ms, p99_ms: ms });
}

describe("reconcile latency", () => {
  it("reads a Deployment's scripted 700 ms reconcile as the delay, by the collector's watch clock", async () => {
    const { state } = start(SETTINGS);
    await until(() => state.informers.deployments.synced, "the list");
    expect(pointsOf(await round(state, SETTINGS), "k8s_reconcile")).toEqual([]);
    const bounds = await scriptedReconcile(
      "deployments",
      () => state.informers.deployments.objects.get("shop/web"),
      (spec) => {
        spec.replicas = (spec.replicas as number) + 1;
      },
    );
    const points = await round(state, SETTINGS);
    expectOneSample(fieldsOf(points, "k8s_reconcile", { kind: "Deployment", namespace: "shop" }), bounds);
    // The interval's samples are taken: the next round has none.
    expect(pointsOf(await round(state, SETTINGS), "k8s_reconcile")).toEqual([]);
  });

  it("reads a custom resource's scripted reconcile the same way", async () => {
    const { state } = start(SETTINGS);
    const widgets = () => state.custom[0]!;
    await until(() => widgets().synced, "the list");
    const bounds = await scriptedReconcile(
      "widgets",
      () => widgets().objects.get("shop/w1"),
      (spec) => {
        spec.size = (spec.size as number) + 1;
      },
    );
    const points = await round(state, SETTINGS);
    expectOneSample(fieldsOf(points, "k8s_reconcile", { kind: "Widget", namespace: "shop" }), bounds);
  });

  it("counts objects waiting past reconcilePendingAfter as pending, and times none it did not see fall behind", async () => {
    api.create("deployments", deploymentObject("shop", "stuck", { observedGeneration: 0 }));
    const settings = { ...SETTINGS, reconcilePendingAfter: "1s" };
    const { state } = start(settings);
    await until(() => state.informers.deployments.objects.has("shop/stuck"), "the list");
    api.patch("deployments", "shop", "web", (d) => {
      (d.spec as { replicas: number }).replicas++;
    });
    await until(() => isBehind(state, "shop/web"), "the new generation");
    const pending = await pendingWhen(state, settings, 2);
    expect(pending).toMatchObject({ count: 0, pending: 2 });

    for (const name of ["web", "stuck"]) {
      api.patch("deployments", "shop", name, (d) => {
        (d.status as Record<string, unknown>).observedGeneration = d.metadata.generation;
      });
    }
    await until(() => !isBehind(state, "shop/web") && !isBehind(state, "shop/stuck"), "both caught up");
    // Only the rise the collector saw is a sample; "stuck" was already behind when listed.
    const points = await round(state, settings);
    expect(fieldsOf(points, "k8s_reconcile", { kind: "Deployment", namespace: "shop" })).toMatchObject({
      count: 1,
      pending: 0,
    });
    api.delete("deployments", "shop", "stuck");
  });
});

function isBehind(state: K8sApiState, key: string): boolean {
  const record = state.informers.deployments.objects.get(key);
  return record !== undefined && (record.observedGeneration ?? 0) < record.generation;
}

/** Runs rounds until the Deployment point shows this many pending (time has to pass for that). */
async function pendingWhen(state: K8sApiState, settings: Record<string, unknown>, pending: number) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = pointsOf(await round(state, settings), "k8s_reconcile", { kind: "Deployment" });
    const fields = found.length === 1 ? fieldsOf(found, "k8s_reconcile") : undefined;
    if (fields?.pending === pending) return fields;
    if (Date.now() > deadline)
      throw new Error(`no round showed ${pending} pending; last ${JSON.stringify(fields)}`);
    await sleep(100);
  }
}
