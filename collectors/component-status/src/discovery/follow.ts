import type { Logger } from "@platform-metrics/sdk";
import { Informer, type InformerOptions, KubeClient, type ResourceSpec } from "@platform-metrics/sdk/kube";
import {
  type EndpointRecord,
  type NamespaceRecord,
  namespaceRecord,
  podRecord,
  serviceRecord,
} from "./records.js";

/** The informers discovery reads. */
export interface Discovery {
  namespaces: Informer<NamespaceRecord>;
  pods: Informer<EndpointRecord>;
  services: Informer<EndpointRecord>;
  all: Informer<unknown>[];
  /** Problems already logged, so each is logged once while it lasts. */
  logged: Set<string>;
}

export interface DiscoverySettings {
  orgLabel: string;
  retryMaxMs: number;
  log: Logger;
}

/** What discovery follows; deploy/component-status/clusterrole.yaml grants exactly these (a test checks). */
export function discoveryResources(orgLabel: string) {
  return {
    namespaces: {
      name: "namespaces",
      path: "/api/v1/namespaces",
      record: (raw: unknown) => namespaceRecord(raw, orgLabel),
    } satisfies ResourceSpec<NamespaceRecord>,
    pods: { name: "pods", path: "/api/v1/pods", record: podRecord } satisfies ResourceSpec<EndpointRecord>,
    services: {
      name: "services",
      path: "/api/v1/services",
      record: serviceRecord,
    } satisfies ResourceSpec<EndpointRecord>,
  };
}

/** Starts following namespaces, pods and services of the cluster of the client. */
export function followDiscovery(client: KubeClient, settings: DiscoverySettings): Discovery {
  const options: InformerOptions = {
    pageSize: 500,
    watchTimeoutSeconds: 300,
    backoff: { initialMs: 500, maxMs: settings.retryMaxMs },
    log: settings.log,
  };
  const resources = discoveryResources(settings.orgLabel);
  const namespaces = new Informer(client, resources.namespaces, options);
  const pods = new Informer(client, resources.pods, options);
  const services = new Informer(client, resources.services, options);
  const all = [namespaces, pods, services] as Informer<unknown>[];
  for (const informer of all) informer.start();
  return { namespaces, pods, services, all, logged: new Set() };
}

export function discoveryFromEnvironment(settings: DiscoverySettings): Discovery {
  return followDiscovery(KubeClient.fromEnvironment(), settings);
}

export async function stopDiscovery(discovery: Discovery | undefined): Promise<void> {
  await Promise.all(discovery?.all.map((informer) => informer.stop()) ?? []);
}
