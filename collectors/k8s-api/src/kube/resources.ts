import type { ResourceSpec } from "@platform-metrics/sdk/kube";
import type { CustomResourceConfig } from "../config.js";
import {
  type CustomRecord,
  customRecord,
  type EventRecord,
  eventRecord,
  type JobRecord,
  jobRecord,
  type NamespaceRecord,
  type NodeRecord,
  namespaceRecord,
  nodeRecord,
  type PodRecord,
  type PvcRecord,
  podRecord,
  pvcRecord,
  type WorkloadRecord,
  workloadRecord,
} from "./records.js";

/** The built-in resources the collector follows; deploy/k8s-api/clusterrole.yaml grants exactly these. */
export function builtinResources(orgLabel: string) {
  return {
    namespaces: {
      name: "namespaces",
      path: "/api/v1/namespaces",
      record: (raw: unknown) => namespaceRecord(raw, orgLabel),
    } satisfies ResourceSpec<NamespaceRecord>,
    nodes: { name: "nodes", path: "/api/v1/nodes", record: nodeRecord } satisfies ResourceSpec<NodeRecord>,
    pods: { name: "pods", path: "/api/v1/pods", record: podRecord } satisfies ResourceSpec<PodRecord>,
    deployments: {
      name: "deployments.apps",
      path: "/apis/apps/v1/deployments",
      record: workloadRecord("Deployment"),
    } satisfies ResourceSpec<WorkloadRecord>,
    statefulsets: {
      name: "statefulsets.apps",
      path: "/apis/apps/v1/statefulsets",
      record: workloadRecord("StatefulSet"),
    } satisfies ResourceSpec<WorkloadRecord>,
    daemonsets: {
      name: "daemonsets.apps",
      path: "/apis/apps/v1/daemonsets",
      record: workloadRecord("DaemonSet"),
    } satisfies ResourceSpec<WorkloadRecord>,
    jobs: {
      name: "jobs.batch",
      path: "/apis/batch/v1/jobs",
      record: jobRecord,
    } satisfies ResourceSpec<JobRecord>,
    pvcs: {
      name: "persistentvolumeclaims",
      path: "/api/v1/persistentvolumeclaims",
      record: pvcRecord,
    } satisfies ResourceSpec<PvcRecord>,
    events: {
      name: "events",
      path: "/api/v1/events",
      record: eventRecord,
    } satisfies ResourceSpec<EventRecord>,
  };
}

export function customResource(config: CustomResourceConfig): ResourceSpec<CustomRecord> {
  return {
    name: `${config.plural}.${config.group}`,
    path: `/apis/${config.group}/${config.version}/${config.plural}`,
    record: customRecord,
  };
}
