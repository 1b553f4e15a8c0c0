import * as models from "kubernetes-models";
import type { K8sObject } from "./kustomize.js";

type Model = new (data: unknown) => { validate(): void };

// "rbac.authorization.k8s.io" -> "rbacAuthorizationK8sIo", as kubernetes-models names its groups.
function groupKey(group: string): string {
  return group.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase());
}

/**
 * Checks an object against the Kubernetes OpenAPI schema of its apiVersion and kind (kubernetes-models,
 * offline). Returns the problems, empty when it is valid. Unknown fields are not reported: the
 * Kubernetes schemas allow them, and the API server drops them with a warning.
 */
export function schemaProblems(object: K8sObject): string[] {
  const [group, version] = object.apiVersion.includes("/")
    ? object.apiVersion.split("/")
    : ["", object.apiVersion];
  const byGroup = (models as unknown as Record<string, Record<string, Record<string, Model>>>)[
    group ? groupKey(group!) : version!
  ];
  const Model = group
    ? byGroup?.[version!]?.[object.kind]
    : (byGroup as unknown as Record<string, Model>)?.[object.kind];
  if (!Model) return [`no schema for ${object.apiVersion} ${object.kind}`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}
