import {
  eventObject,
  type KubeApiServer,
  namespaceObject,
  nodeObject,
  podObject,
  pvcObject,
} from "@platform-metrics/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fieldsOf, follow, pointsOf, round, startCluster, until } from "./helpers.js";

let api: KubeApiServer;
let running: ReturnType<typeof follow> | undefined;

beforeAll(async () => {
  api = await startCluster();
  api.create("namespaces", namespaceObject("shop"));
  for (let i = 0; i < 5; i++) api.create("pods", podObject("shop", `web-${i}`));
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
});
afterAll(() => api.close());

function start(settings: Record<string, unknown> = {}) {
  running = follow(settings);
  return running;
}

const runningPods = async (state: ReturnType<typeof follow>["state"]) =>
  fieldsOf(await round(state), "k8s_pod", { namespace: "shop", phase: "Running" }).count;

describe("informers", () => {
  it("follow adds, updates and deletes through the watch, without listing again", async () => {
    const { state } = start();
    await until(() => state.informers.pods.synced, "the first list");
    expect(await runningPods(state)).toBe(5);

    api.create("pods", podObject("shop", "web-new"));
    api.patch("pods", "shop", "web-0", (pod) => {
      (pod.status as { phase: string }).phase = "Succeeded";
    });
    api.delete("pods", "shop", "web-1");
    await until(
      () => state.informers.pods.objects.size === 5 && !state.informers.pods.objects.has("shop/web-1"),
      "the changes",
    );
    await until(() => state.informers.pods.objects.get("shop/web-0")?.phase === "Succeeded", "the update");
    const points = await round(state);
    expect(fieldsOf(points, "k8s_pod", { namespace: "shop", phase: "Running" }).count).toBe(4);
    expect(fieldsOf(points, "k8s_pod", { namespace: "shop", phase: "Succeeded" }).count).toBe(1);
    expect(fieldsOf(points, "pm_k8s_informer", { resource: "pods" })).toMatchObject({ lists: 1, relists: 0 });
    expect(api.requestCount("watch", "pods")).toBeGreaterThanOrEqual(1);
    expect(api.requests.find((r) => r.verb === "watch" && r.resource === "pods")?.query).toMatchObject({
      allowWatchBookmarks: "true",
    });
    api.delete("pods", "shop", "web-new");
    api.patch("pods", "shop", "web-0", (pod) => {
      (pod.status as { phase: string }).phase = "Running";
    });
    api.create("pods", podObject("shop", "web-1"));
  });

  it("counts the events seen after the first list: a new one 1, a repeat its count's rise", async () => {
    api.create("events", eventObject("shop", "old.1", { reason: "Pulled", type: "Normal" }));
    const { state } = start();
    await until(() => state.informers.events.synced, "the first list");
    await round(state); // the interval before the changes
    api.create("events", eventObject("shop", "web-1.a", { reason: "BackOff", count: 1 }));
    api.patch("events", "shop", "web-1.a", (event) => {
      event.count = 4;
    });
    await until(() => state.informers.events.objects.get("shop/web-1.a")?.count === 4, "the repeat");
    const points = await round(state);
    expect(fieldsOf(points, "k8s_event", { namespace: "shop", type: "Warning", reason: "BackOff" })).toEqual({
      count: 4,
    });
    expect(pointsOf(points, "k8s_event", { reason: "Pulled" })).toEqual([]);
    // Counted once: the next interval starts from zero.
    expect(pointsOf(await round(state), "k8s_event")).toEqual([]);
  });

  it("lists again after 410 Gone, and sees what changed meanwhile", async () => {
    const { state, log } = start();
    await until(() => state.informers.pods.synced && api.openWatches("pods") === 1, "the watch");
    await api.stop(); // so the change below reaches the informer only through the new list
    api.create("pods", podObject("shop", "during-gap"));
    api.compact("pods"); // the informer's resourceVersion is now too old
    await api.start();
    await until(() => state.informers.pods.stats.relists === 1, "the relist");
    expect(state.informers.pods.objects.has("shop/during-gap")).toBe(true);
    expect(await runningPods(state)).toBe(6);
    expect(log.entries.some((e) => e.message.includes("410 Gone") && e.fields.resource === "pods")).toBe(
      true,
    );
    api.delete("pods", "shop", "during-gap");
  });

  it("resumes from the last resourceVersion after the API server restarts, without a relist", async () => {
    const { state } = start();
    await until(() => state.informers.pods.synced && api.openWatches("pods") === 1, "the watch");
    await api.stop();
    api.delete("pods", "shop", "web-4"); // while the server is down
    await api.start();
    await until(() => !state.informers.pods.objects.has("shop/web-4"), "the delete after the restart");
    expect(await runningPods(state)).toBe(4);
    const stats = state.informers.pods.stats;
    expect(stats.relists).toBe(0);
    expect(stats.watchRestarts).toBeGreaterThanOrEqual(1);
    api.create("pods", podObject("shop", "web-4"));
  });

  it("resumes a watch broken mid-stream", async () => {
    const { state } = start();
    await until(() => state.informers.pods.synced && api.openWatches("pods") === 1, "the watch");
    expect(api.breakWatches("pods")).toBe(1);
    api.create("pods", podObject("shop", "after-break"));
    await until(() => state.informers.pods.objects.has("shop/after-break"), "the pod after the break");
    const informer = fieldsOf(await round(state), "pm_k8s_informer", { resource: "pods" });
    expect(informer).toMatchObject({ relists: 0, objects: 6 });
    expect(informer.watch_restarts).toBeGreaterThanOrEqual(1);
    expect(informer.watches).toBeGreaterThanOrEqual(2);
    api.delete("pods", "shop", "after-break");
  });

  it("lists again when a continue token expires in the middle of a paged list", async () => {
    // Expire every token the moment it is handed out: the first list cannot finish, so the
    // informer starts over; once tokens last again, it completes.
    let expiring = true;
    const expire = setInterval(() => expiring && api.expireContinueTokens(), 1);
    try {
      const { state } = start({ pageSize: 1 });
      await until(
        () => api.requests.some((r) => r.resource === "pods" && r.query.continue !== undefined),
        "a continued page",
      );
      await until(
        () =>
          api.requests.filter((r) => r.resource === "pods" && r.verb === "list" && !r.query.continue)
            .length >= 2,
        "a list started over",
      );
      expiring = false;
      await until(() => state.informers.pods.synced, "the list");
      expect(state.informers.pods.objects.size).toBe(5);
      expect(state.informers.pods.stats.lists).toBe(1);
    } finally {
      clearInterval(expire);
    }
  });

  it("skips and counts malformed objects, and goes on with the rest", async () => {
    const { state, log } = start();
    await until(() => state.informers.pods.synced && state.informers.nodes.synced, "the lists");
    const noStatus = podObject("shop", "no-status");
    delete noStatus.status;
    api.create("pods", noStatus);
    api.create("nodes", nodeObject("odd-cpu", { cpu: "lots" }));
    api.create("nodes", nodeObject("good"));
    api.create("persistentvolumeclaims", pvcObject("shop", "odd-size", { storage: "10 GB" }));
    await until(() => state.informers.nodes.objects.has("good"), "the good node");
    await until(() => state.informers.pvcs.stats.malformed === 1, "the odd PVC");
    await until(() => state.informers.pods.stats.malformed === 1, "the pod without status");
    const points = await round(state);
    expect(fieldsOf(points, "pm_k8s_informer", { resource: "pods" }).malformed).toBe(1);
    expect(fieldsOf(points, "pm_k8s_informer", { resource: "nodes" }).malformed).toBe(1);
    expect(fieldsOf(points, "pm_k8s_informer", { resource: "persistentvolumeclaims" }).malformed).toBe(1);
    expect(fieldsOf(points, "k8s_node", { node: "good" }).ready).toBe(1);
    expect(pointsOf(points, "k8s_node", { node: "odd-cpu" })).toEqual([]);
    expect(await runningPods(state)).toBe(5);
    expect(
      log.entries.some((e) => e.level === "warn" && e.message.includes('status.capacity.cpu "lots"')),
    ).toBe(true);
    api.delete("pods", "shop", "no-status");
    api.delete("nodes", undefined, "odd-cpu");
    api.delete("nodes", undefined, "good");
    api.delete("persistentvolumeclaims", "shop", "odd-size");
  });

  it("logs a 403 with the resource and verb, counts it, and goes on with the other resources", async () => {
    api.forbid("jobs");
    try {
      const { state, log } = start();
      await until(() => state.informers.pods.synced && state.informers.jobs.stats.forbidden > 0, "the 403");
      const points = await round(state);
      expect(fieldsOf(points, "pm_k8s_informer", { resource: "jobs.batch" })).toMatchObject({
        synced: false,
      });
      expect(
        fieldsOf(points, "pm_k8s_informer", { resource: "jobs.batch" }).forbidden,
      ).toBeGreaterThanOrEqual(1);
      expect(fieldsOf(points, "pm_k8s_informer", { resource: "jobs.batch" }).errors).toBeGreaterThanOrEqual(
        1,
      );
      // ... and in pm_collector's errors (ctx.countErrors), once: the next round adds only new ones.
      const refused = state.informers.jobs.stats.errors;
      expect(points.errorsCounted).toBeGreaterThanOrEqual(1);
      expect(points.errorsCounted).toBeLessThanOrEqual(refused);
      expect((await round(state)).errorsCounted).toBe(state.informers.jobs.stats.errors - refused);
      expect(pointsOf(points, "k8s_job")).toEqual([]);
      expect(fieldsOf(points, "k8s_pod", { namespace: "shop", phase: "Running" }).count).toBe(5);
      const entry = log.entries.find((e) => e.level === "error" && e.fields.status === 403);
      expect(entry?.fields).toMatchObject({ resource: "jobs.batch", verb: "list" });
      expect(entry?.message).toContain("must grant list on jobs.batch");

      api.allow("jobs");
      await until(() => state.informers.jobs.synced, "the list once allowed");
    } finally {
      api.allow("jobs");
    }
  });
});
