import { collectOnce } from "@platform-metrics/sdk";
import {
  daemonSetObject,
  deploymentObject,
  eventObject,
  jobObject,
  type KubeApiServer,
  namespaceObject,
  nodeObject,
  podObject,
  pvcObject,
  statefulSetObject,
} from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import collector from "../src/collector.js";
import { fieldsOf, pointsOf, startCluster, TEST_SETTINGS } from "./helpers.js";

let api: KubeApiServer;

beforeAll(async () => {
  api = await startCluster();
  api.create("namespaces", namespaceObject("shop", { "platform-metrics.io/org": "acme" }));
  api.create("namespaces", namespaceObject("blog"));
  api.create("namespaces", namespaceObject("odd", { "platform-metrics.io/org": "Not An Org!" }));
  api.create(
    "nodes",
    nodeObject("node-1", {
      cpu: "4",
      allocatableCpu: "3920m",
      memory: "16Gi",
      allocatableMemory: "15242164Ki",
    }),
  );
  api.create("nodes", nodeObject("node-2", { ready: false, unschedulable: true, cpu: "1e3", pods: "250" }));
  api.create("pods", podObject("shop", "web-1", { restarts: 2 }));
  api.create("pods", podObject("shop", "web-2"));
  api.create("pods", podObject("shop", "web-3", { waiting: "CrashLoopBackOff", restarts: 7, containers: 2 }));
  api.create("pods", podObject("shop", "web-4", { phase: "Pending", waiting: "ImagePullBackOff" }));
  api.create("pods", podObject("blog", "db-0", { phase: "Failed" }));
  api.create("pods", podObject("odd", "x", {}));
  api.create(
    "deployments",
    deploymentObject("shop", "web", { replicas: 4, ready: 2, available: 2, updated: 3 }),
  );
  api.create("statefulsets", statefulSetObject("blog", "db", { replicas: 1, ready: 0 }));
  api.create("daemonsets", daemonSetObject("blog", "agent", { desired: 2, ready: 1 }));
  api.create("jobs", jobObject("shop", "report-1", { succeeded: 1 }));
  api.create("jobs", jobObject("shop", "report-2", { active: 2, failed: 3 }));
  api.create(
    "persistentvolumeclaims",
    pvcObject("blog", "data-db-0", { storage: "10Gi", storageClass: "fast" }),
  );
  api.create(
    "persistentvolumeclaims",
    pvcObject("blog", "data-db-1", { storage: "1.5G", storageClass: "fast" }),
  );
  api.create("persistentvolumeclaims", pvcObject("blog", "scratch", { storage: "500Mi", phase: "Pending" }));
  api.create("events", eventObject("shop", "web-3.1", { reason: "BackOff" }));
});
afterAll(() => api.close());

describe("one round from the lists (as --once does)", () => {
  it("writes every aggregate, per namespace, with the namespace's org", async () => {
    const points = await collectOnce(collector, TEST_SETTINGS, { env: { PM_ORG: "platform" } });

    expect(fieldsOf(points, "k8s_pod", { namespace: "shop", phase: "Running" })).toEqual({
      count: 3,
      ready: 2,
      restarts: 9,
    });
    expect(fieldsOf(points, "k8s_pod", { namespace: "shop", phase: "Pending" })).toEqual({
      count: 1,
      ready: 0,
      restarts: 0,
    });
    expect(fieldsOf(points, "k8s_pod", { namespace: "blog", phase: "Failed" }).count).toBe(1);
    expect(
      fieldsOf(points, "k8s_container_waiting", { namespace: "shop", reason: "CrashLoopBackOff" }),
    ).toEqual({
      count: 1,
    });
    expect(
      fieldsOf(points, "k8s_container_waiting", { namespace: "shop", reason: "ImagePullBackOff" }),
    ).toEqual({
      count: 1,
    });

    expect(fieldsOf(points, "k8s_workload", { kind: "Deployment", name: "web" })).toEqual({
      desired: 4,
      ready: 2,
      available: 2,
      updated: 3,
    });
    expect(fieldsOf(points, "k8s_workload", { kind: "StatefulSet", name: "db" })).toEqual({
      desired: 1,
      ready: 0,
      available: 0,
      updated: 1,
    });
    expect(fieldsOf(points, "k8s_workload", { kind: "DaemonSet", name: "agent" })).toEqual({
      desired: 2,
      ready: 1,
      available: 1,
      updated: 2,
    });
    expect(fieldsOf(points, "k8s_job", { namespace: "shop" })).toEqual({
      active: 2,
      succeeded: 1,
      failed: 3,
    });

    expect(fieldsOf(points, "k8s_node", { node: "node-1" })).toEqual({
      cpu_capacity_cores: 4,
      cpu_allocatable_cores: 3.92,
      memory_capacity_bytes: 16 * 2 ** 30,
      memory_allocatable_bytes: 15242164 * 1024,
      pods_allocatable: 110,
      ready: 1,
      unschedulable: false,
    });
    expect(fieldsOf(points, "k8s_node", { node: "node-2" })).toMatchObject({
      cpu_capacity_cores: 1000,
      pods_allocatable: 250,
      ready: 0,
      unschedulable: true,
    });

    expect(fieldsOf(points, "k8s_pvc", { namespace: "blog", phase: "Bound", storage_class: "fast" })).toEqual(
      {
        count: 2,
        requested_bytes: 10 * 2 ** 30 + 1_500_000_000,
      },
    );
    const unclassed = pointsOf(points, "k8s_pvc", { namespace: "blog", phase: "Pending" });
    expect(unclassed).toHaveLength(1);
    expect(unclassed[0]!.tags.storage_class).toBeUndefined();
    expect(unclassed[0]!.fields.requested_bytes!.value).toBe(500n * 2n ** 20n);

    // Events that existed before the collector started are not "seen this interval".
    expect(pointsOf(points, "k8s_event")).toEqual([]);

    // The org: the namespace's label, else PM_ORG; an invalid label value also falls back to PM_ORG.
    for (const point of pointsOf(points, "k8s_pod", { namespace: "shop" }))
      expect(point.tags.org).toBe("acme");
    expect(pointsOf(points, "k8s_pod", { namespace: "blog" })[0]!.tags.org).toBe("platform");
    expect(pointsOf(points, "k8s_pod", { namespace: "odd" })[0]!.tags.org).toBe("platform");
    expect(pointsOf(points, "k8s_node")[0]!.tags.org).toBe("platform");

    const informer = fieldsOf(points, "pm_k8s_informer", { resource: "pods" });
    expect(informer).toMatchObject({
      objects: 6,
      synced: true,
      lists: 1,
      relists: 0,
      errors: 0,
      malformed: 0,
    });
    // Six pods in pages of three (PM_PAGE_SIZE): two pages, one list.
    expect(informer.pages).toBe(2);
    expect(fieldsOf(points, "pm_k8s_informer", { resource: "widgets.example.com" })).toMatchObject({
      synced: true,
      objects: 0,
    });
    expect(
      api.requests.filter((r) => r.resource === "pods" && r.verb === "list").map((r) => r.query.limit),
    ).toContain("3");
  });
});
