import type { Logger } from "@platform-metrics/sdk";
import type { Discovery } from "./follow.js";
import { type DiscoveredTargets, targetsOf, validOrg } from "./targets.js";

/** The targets the cluster holds now; a problem with an object's annotations is logged once. */
export function discoveredTargets(discovery: Discovery, timeoutMs: number, log: Logger): DiscoveredTargets {
  const found: DiscoveredTargets = { targets: [], problems: [] };
  const defaults = {
    timeoutMs,
    orgOf: (namespace: string) => validOrg(discovery.namespaces.objects.get(namespace)?.org),
  };
  targetsOf("service", discovery.services.objects.values(), defaults, found);
  targetsOf("pod", discovery.pods.objects.values(), defaults, found);
  const now = new Set(found.problems);
  for (const problem of now) if (!discovery.logged.has(problem)) log.warn(`discovery: ${problem}; skipped`);
  discovery.logged.clear();
  for (const problem of now) discovery.logged.add(problem);
  return found;
}
