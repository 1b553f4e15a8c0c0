import type { MeasurementDeclarations } from "@platform-metrics/sdk";

const NAMESPACE = "the namespace; the point's org is its org label's value (PM_ORG_LABEL), else PM_ORG";
const integer = (description: string, unit?: "bytes") => ({ type: "integer", description, unit }) as const;
const ms = (description: string) => ({ type: "float", unit: "ms", description }) as const;
/** A count since the collector started: dashboards chart its rate. */
const total = (description: string) =>
  ({ type: "integer", unit: "count", counter: true, description }) as const;

export const measurements = {
  k8s_pod: {
    description: "Pods per namespace and phase, each round.",
    tags: { namespace: NAMESPACE, phase: "Pending, Running, Succeeded, Failed or Unknown" },
    fields: {
      count: integer("pods"),
      ready: integer("pods whose Ready condition is True"),
      restarts: integer("container restarts, summed over the pods' containers (init containers included)"),
    },
  },
  k8s_container_waiting: {
    description: "Containers waiting, per namespace and reason, each round (only reasons seen now).",
    tags: { namespace: NAMESPACE, reason: "CrashLoopBackOff, ImagePullBackOff, ContainerCreating, ..." },
    fields: { count: integer("containers (and init containers) waiting with this reason") },
  },
  k8s_workload: {
    description: "One point per Deployment, StatefulSet and DaemonSet, each round.",
    tags: { namespace: NAMESPACE, kind: "Deployment, StatefulSet or DaemonSet", name: "the workload's name" },
    fields: {
      desired: integer("spec.replicas (1 when unset); for a DaemonSet status.desiredNumberScheduled"),
      ready: integer("readyReplicas (DaemonSet: numberReady)"),
      available: integer("availableReplicas (DaemonSet: numberAvailable)"),
      updated: integer("updatedReplicas (DaemonSet: updatedNumberScheduled)"),
    },
  },
  k8s_job: {
    description: "Jobs' pods per namespace, each round.",
    tags: { namespace: NAMESPACE },
    fields: {
      active: integer("pods running, summed over the namespace's Jobs"),
      succeeded: integer("pods that succeeded"),
      failed: integer("pods that failed"),
    },
  },
  k8s_node: {
    description: "One point per node, each round (org PM_ORG: nodes belong to no namespace).",
    tags: { node: "the node's name" },
    fields: {
      cpu_capacity_cores: { type: "float", description: "status.capacity.cpu, in cores" },
      cpu_allocatable_cores: { type: "float", description: "status.allocatable.cpu, in cores" },
      memory_capacity_bytes: integer("status.capacity.memory", "bytes"),
      memory_allocatable_bytes: integer("status.allocatable.memory", "bytes"),
      pods_allocatable: integer("status.allocatable.pods"),
      ready: integer("1 when the Ready condition is True, else 0"),
      unschedulable: { type: "boolean", description: "spec.unschedulable (cordoned)" },
    },
  },
  k8s_pvc: {
    description: "PersistentVolumeClaims per namespace, phase and storage class, each round.",
    tags: {
      namespace: NAMESPACE,
      phase: "Pending, Bound or Lost",
      storage_class: "spec.storageClassName (absent when unset)",
    },
    fields: {
      count: integer("claims"),
      requested_bytes: integer("spec.resources.requests.storage, summed", "bytes"),
    },
  },
  k8s_event: {
    description:
      "Events seen during the interval (core/v1), per namespace, type and reason: a new Event counts 1, a repeat (its count rising) counts the rise. Events that existed at start are not counted.",
    tags: { namespace: NAMESPACE, type: "Normal or Warning", reason: "the event's reason, e.g. BackOff" },
    fields: { count: integer("occurrences seen this interval") },
  },
  k8s_reconcile: {
    description:
      "How fast controllers reconcile, per kind and namespace: when metadata.generation rises, the time until status.observedGeneration reaches it, by the collector's watch clock. Written when there were samples or pending objects.",
    tags: {
      kind: "Deployment, StatefulSet, DaemonSet, or a configured custom resource (its kind, else plural.group)",
      namespace: NAMESPACE,
    },
    fields: {
      count: integer("reconciles completed this interval"),
      mean_ms: ms("mean time to reconcile"),
      p50_ms: ms("median"),
      p99_ms: ms("99th percentile (nearest rank)"),
      max_ms: ms("slowest"),
      pending: integer("objects waiting longer than PM_RECONCILE_PENDING_AFTER (60s) now"),
    },
  },
  pm_k8s_informer: {
    description:
      "The collector's own view of each resource it follows, one point per resource and round (totals since start).",
    tags: { resource: "pods, deployments.apps, ... as RBAC names it" },
    fields: {
      objects: integer("objects held now"),
      synced: { type: "boolean", description: "the first list has completed" },
      lists: total("full lists (a list of several pages counts once)"),
      pages: total("list pages fetched"),
      relists: total("lists after the first: after 410 Gone or an expired continue token"),
      watches: total("watches opened"),
      watch_restarts: total("watches that ended (server timeout, broken connection, 410) and were resumed"),
      errors: total("failed list and watch requests, broken watches included"),
      forbidden: total("requests answered 403 Forbidden (see the log for the verb)"),
      malformed: total("objects skipped because a field the collector reads was missing or odd"),
    },
  },
} as const satisfies MeasurementDeclarations;
