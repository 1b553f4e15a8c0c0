import { Malformed } from "@platform-metrics/sdk/kube";
import { daemonSetObject, deploymentObject, podObject } from "@platform-metrics/testing";
import { describe, expect, it } from "vitest";
import { podRecord, workloadRecord } from "../src/kube/records.js";

interface SpoiledStatus {
  containerStatuses: { restartCount: unknown }[];
  phase: unknown;
  conditions: unknown;
}

describe("records kept per object", () => {
  it("keeps of a pod its namespace, phase, readiness, restarts and waiting reasons, init containers included", () => {
    const pod = podObject("shop", "web-1", { phase: "Pending", restarts: 2 });
    (pod.status as Record<string, unknown>).initContainerStatuses = [
      { name: "migrate", ready: false, restartCount: 5, state: { waiting: { reason: "CrashLoopBackOff" } } },
    ];
    expect(podRecord(pod)).toEqual({
      namespace: "shop",
      phase: "Pending",
      ready: false,
      restarts: 7,
      waiting: ["CrashLoopBackOff"],
    });
  });

  it("reads a pod not yet scheduled (no container statuses, no conditions) as pending and not ready", () => {
    const pod = { metadata: { name: "p", namespace: "shop" }, spec: {}, status: { phase: "Pending" } };
    expect(podRecord(pod)).toEqual({
      namespace: "shop",
      phase: "Pending",
      ready: false,
      restarts: 0,
      waiting: undefined,
    });
  });

  it.each([
    ["a restart count that is not a count", (s: SpoiledStatus) => (s.containerStatuses[0].restartCount = -1)],
    ["a phase that is not a string", (s: SpoiledStatus) => (s.phase = 3)],
    ["conditions that are not a list", (s: SpoiledStatus) => (s.conditions = "Ready")],
  ])("refuses a pod with %s", (_, spoil) => {
    const pod = podObject("shop", "web-1");
    spoil(pod.status as unknown as SpoiledStatus);
    expect(() => podRecord(pod)).toThrow(Malformed);
  });

  it("reads counts the API leaves out when zero as 0, and spec.replicas unset as 1", () => {
    const deployment = deploymentObject("shop", "web");
    delete (deployment.spec as Record<string, unknown>).replicas;
    deployment.status = { observedGeneration: 1 };
    expect(
      workloadRecord("Deployment")({ ...deployment, metadata: { ...deployment.metadata, generation: 1 } }),
    ).toMatchObject({
      desired: 1,
      ready: 0,
      available: 0,
      updated: 0,
      generation: 1,
      observedGeneration: 1,
    });
  });

  it("reads a DaemonSet's numbers from its status", () => {
    const daemonSet = daemonSetObject("kube-system", "agent", { desired: 5, ready: 4, updated: 3 });
    expect(
      workloadRecord("DaemonSet")({ ...daemonSet, metadata: { ...daemonSet.metadata, generation: 2 } }),
    ).toMatchObject({
      desired: 5,
      ready: 4,
      available: 4,
      updated: 3,
      generation: 2,
      observedGeneration: 1,
    });
  });
});
