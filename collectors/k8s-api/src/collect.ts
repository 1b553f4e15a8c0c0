import type { CollectContext } from "@platform-metrics/sdk";
import type { Informer } from "@platform-metrics/sdk/kube";
import { jobSums, podSums, pvcSums } from "./aggregate.js";
import type { K8sApiConfig } from "./config.js";
import type { measurements } from "./measurements.js";
import { OrgResolver } from "./orgs.js";
import { percentile } from "./reconcile.js";
import type { K8sApiState } from "./state.js";

type Ctx = CollectContext<K8sApiConfig, K8sApiState, typeof measurements>;

/** A point of a measurement with a namespace tag, whose org comes from that namespace. */
interface NamespacedPoint {
  org(org: string): this;
  tag(key: "namespace", value: string | undefined): this;
}

/**
 * One round: waits (the first time) until every informer has listed or been refused, then writes
 * the aggregates of what the informers hold, and the informers' own counts.
 */
export async function collectRound(ctx: Ctx): Promise<void> {
  const { state, config, log } = ctx;
  if (ctx.round === 1) await waitForLists(ctx);
  const orgs = new OrgResolver(state.informers.namespaces, config.org, log);
  const { informers } = state;
  const namespaced = <B extends NamespacedPoint>(builder: B, namespace: string | undefined): B =>
    builder.org(orgs.orgOf(namespace)).tag("namespace", namespace);

  if (informers.pods.synced) {
    const pods = podSums(informers.pods.objects.values());
    for (const sum of pods.phases) {
      namespaced(ctx.point("k8s_pod"), sum.namespace)
        .tag("phase", sum.phase)
        .integer("count", sum.count)
        .integer("ready", sum.ready)
        .integer("restarts", sum.restarts);
    }
    for (const sum of pods.waiting) {
      namespaced(ctx.point("k8s_container_waiting"), sum.namespace)
        .tag("reason", sum.reason)
        .integer("count", sum.count);
    }
  }
  for (const informer of [informers.deployments, informers.statefulsets, informers.daemonsets]) {
    if (!informer.synced) continue;
    for (const workload of informer.objects.values()) {
      namespaced(ctx.point("k8s_workload"), workload.namespace)
        .tag("kind", workload.kind)
        .tag("name", workload.name)
        .integer("desired", workload.desired)
        .integer("ready", workload.ready)
        .integer("available", workload.available)
        .integer("updated", workload.updated);
    }
  }
  if (informers.jobs.synced) {
    for (const sum of jobSums(informers.jobs.objects.values()).values()) {
      namespaced(ctx.point("k8s_job"), sum.namespace)
        .integer("active", sum.active)
        .integer("succeeded", sum.succeeded)
        .integer("failed", sum.failed);
    }
  }
  if (informers.nodes.synced) {
    for (const node of informers.nodes.objects.values()) {
      ctx
        .point("k8s_node")
        .tag("node", node.name)
        .float("cpu_capacity_cores", node.cpuCapacity)
        .float("cpu_allocatable_cores", node.cpuAllocatable)
        .integer("memory_capacity_bytes", node.memoryCapacity)
        .integer("memory_allocatable_bytes", node.memoryAllocatable)
        .integer("pods_allocatable", node.podsAllocatable)
        .integer("ready", node.ready ? 1 : 0)
        .boolean("unschedulable", node.unschedulable);
    }
  }
  if (informers.pvcs.synced) {
    for (const sum of pvcSums(informers.pvcs.objects.values()).values()) {
      namespaced(ctx.point("k8s_pvc"), sum.namespace)
        .tag("phase", sum.phase)
        .tag("storage_class", sum.storageClass)
        .integer("count", sum.count)
        .integer("requested_bytes", sum.requestedBytes);
    }
  }
  for (const sum of state.events.take()) {
    namespaced(ctx.point("k8s_event"), sum.namespace)
      .tag("type", sum.type)
      .tag("reason", sum.reason)
      .integer("count", sum.count);
  }
  for (const summary of state.reconcile.take(config.reconcilePendingAfter)) {
    const { samples } = summary;
    const point = namespaced(ctx.point("k8s_reconcile"), summary.namespace || undefined)
      .tag("kind", summary.kind)
      .integer("count", samples.length)
      .integer("pending", summary.pending);
    if (samples.length > 0) {
      point
        .float("mean_ms", samples.reduce((total, ms) => total + ms, 0) / samples.length)
        .float("p50_ms", percentile(samples, 50))
        .float("p99_ms", percentile(samples, 99))
        .float("max_ms", samples[samples.length - 1]!);
    }
  }
  for (const informer of state.all) writeInformer(ctx, informer);
  // A refused or failed list or watch (a 403 on one resource, say) counts in pm_collector's errors.
  const errors = state.all.reduce((total, informer) => total + informer.stats.errors, 0);
  ctx.countErrors(errors - state.errorsCounted);
  state.errorsCounted = errors;
}

/**
 * The first round waits for the first lists, for up to half the round's time limit; later rounds
 * write what is listed and leave out what is not (its informer retries in the background).
 */
async function waitForLists(ctx: Ctx): Promise<void> {
  const { state, config, log } = ctx;
  if (state.all.every((informer) => informer.settled)) return;
  const limit = AbortSignal.any([
    ctx.signal,
    AbortSignal.timeout(Math.max(1000, (config.roundTimeout ?? config.interval ?? 30_000) / 2)),
  ]);
  await Promise.all(state.all.map((informer) => informer.waitSettled(limit)));
  const unsynced = state.all.filter((informer) => !informer.synced).map((informer) => informer.name);
  if (unsynced.length > 0)
    log.warn({ resources: unsynced }, "not listed yet: their measurements are left out of this round");
}

function writeInformer(ctx: Ctx, informer: Informer<unknown>): void {
  const { stats } = informer;
  ctx
    .point("pm_k8s_informer")
    .tag("resource", informer.name)
    .integer("objects", informer.objects.size)
    .boolean("synced", informer.synced)
    .integer("lists", stats.lists)
    .integer("pages", stats.pages)
    .integer("relists", stats.relists)
    .integer("watches", stats.watches)
    .integer("watch_restarts", stats.watchRestarts)
    .integer("errors", stats.errors)
    .integer("forbidden", stats.forbidden)
    .integer("malformed", stats.malformed);
}
