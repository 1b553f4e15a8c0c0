import type { BaseContext } from "@platform-metrics/sdk";
import {
  Informer,
  type InformerHandlers,
  type InformerOptions,
  KubeClient,
} from "@platform-metrics/sdk/kube";
import type { K8sApiConfig } from "./config.js";
import type { EventRecord, WorkloadRecord } from "./kube/records.js";
import { builtinResources, customResource } from "./kube/resources.js";
import { ReconcileTracker } from "./reconcile.js";

export type K8sApiState = ReturnType<typeof followCluster>;

/** Events seen since the last round, by namespace, type and reason. */
export class EventCounter {
  counts = new Map<string, { namespace: string; type: string; reason: string; count: number }>();

  add(event: EventRecord, occurrences: number): void {
    if (occurrences <= 0) return;
    const id = `${event.namespace}\u0000${event.type}\u0000${event.reason}`;
    const entry = this.counts.get(id);
    if (entry) entry.count += occurrences;
    else
      this.counts.set(id, {
        namespace: event.namespace,
        type: event.type,
        reason: event.reason,
        count: occurrences,
      });
  }

  take() {
    const counts = [...this.counts.values()];
    this.counts = new Map();
    return counts;
  }
}

/** Starts an informer per resource; rounds read what they hold. */
export function followCluster(config: K8sApiConfig, log: BaseContext<unknown>["log"], client: KubeClient) {
  const options: InformerOptions = {
    pageSize: config.pageSize,
    watchTimeoutSeconds: Math.round(config.watchTimeout / 1000),
    backoff: { initialMs: 500, maxMs: config.retryMax },
    log,
  };
  const resources = builtinResources(config.orgLabel);
  const reconcile = new ReconcileTracker();
  const events = new EventCounter();

  // Keys carry the kind: a Deployment and a StatefulSet may share namespace/name.
  const timed: InformerHandlers<WorkloadRecord> = {
    upsert: (key, record, _previous, source) =>
      reconcile.observe(`${record.kind}:${key}`, record.kind, record.namespace, record, source !== "watch"),
    remove: (key, previous) => reconcile.forget(`${previous.kind}:${key}`),
  };
  const eventHandlers: InformerHandlers<EventRecord> = {
    // The first list is the past: only what happens after it is counted.
    upsert: (_key, record, previous, source) => {
      if (source !== "list") events.add(record, previous === undefined ? 1 : record.count - previous.count);
    },
  };

  const informers = {
    namespaces: new Informer(client, resources.namespaces, options),
    nodes: new Informer(client, resources.nodes, options),
    pods: new Informer(client, resources.pods, options),
    deployments: new Informer(client, resources.deployments, options, timed),
    statefulsets: new Informer(client, resources.statefulsets, options, timed),
    daemonsets: new Informer(client, resources.daemonsets, options, timed),
    jobs: new Informer(client, resources.jobs, options),
    pvcs: new Informer(client, resources.pvcs, options),
    events: new Informer(client, resources.events, options, eventHandlers),
  };
  const custom = config.customResources.map((resource) => {
    const spec = customResource(resource);
    const kind = resource.kind ?? spec.name;
    const handlers: InformerHandlers<ReturnType<typeof spec.record>> = {
      upsert: (key, record, _previous, source) =>
        reconcile.observe(`${spec.name}:${key}`, kind, record.namespace ?? "", record, source !== "watch"),
      remove: (key) => reconcile.forget(`${spec.name}:${key}`),
    };
    return new Informer(client, spec, options, handlers);
  });
  const all = [...Object.values(informers), ...custom] as Informer<unknown>[];
  for (const informer of all) informer.start();
  // Informer errors already added to pm_collector's errors (ctx.countErrors takes the increase).
  const errorsCounted = 0;
  return { client, informers, custom, all, reconcile, events, errorsCounted };
}

export async function setupCluster(ctx: BaseContext<K8sApiConfig>): Promise<K8sApiState> {
  const client = KubeClient.fromEnvironment();
  ctx.log.info(
    { server: client.server, customResources: ctx.config.customResources.length },
    "following the cluster",
  );
  return followCluster(ctx.config, ctx.log, client);
}

export async function teardownCluster(ctx: BaseContext<K8sApiConfig> & { state: K8sApiState | undefined }) {
  await Promise.all(ctx.state?.all.map((informer) => informer.stop()) ?? []);
}
