/** A kind of object the test API server serves, as the real API's discovery describes it. */
export interface ResourceType {
  /** "" for the core group (paths under /api/v1). */
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

/** The built-in kinds, at the versions a current cluster serves. */
export const BUILTIN_RESOURCES: readonly ResourceType[] = [
  { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false },
  { group: "", version: "v1", plural: "nodes", kind: "Node", namespaced: false },
  { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true },
  { group: "", version: "v1", plural: "services", kind: "Service", namespaced: true },
  {
    group: "",
    version: "v1",
    plural: "persistentvolumeclaims",
    kind: "PersistentVolumeClaim",
    namespaced: true,
  },
  { group: "", version: "v1", plural: "events", kind: "Event", namespaced: true },
  { group: "apps", version: "v1", plural: "deployments", kind: "Deployment", namespaced: true },
  { group: "apps", version: "v1", plural: "statefulsets", kind: "StatefulSet", namespaced: true },
  { group: "apps", version: "v1", plural: "daemonsets", kind: "DaemonSet", namespaced: true },
  { group: "batch", version: "v1", plural: "jobs", kind: "Job", namespaced: true },
];

/** `pods`, `deployments.apps`, `widgets.example.com`: how kubectl and RBAC name a resource. */
export function resourceName(type: Pick<ResourceType, "group" | "plural">): string {
  return type.group === "" ? type.plural : `${type.plural}.${type.group}`;
}

export function apiVersionOf(type: Pick<ResourceType, "group" | "version">): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

/** The collection's path, e.g. /api/v1/pods or /apis/apps/v1/namespaces/ns/deployments. */
export function collectionPath(
  type: Pick<ResourceType, "group" | "version" | "plural">,
  namespace?: string,
): string {
  const base = type.group === "" ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  return namespace === undefined
    ? `${base}/${type.plural}`
    : `${base}/namespaces/${namespace}/${type.plural}`;
}
