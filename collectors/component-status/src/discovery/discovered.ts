import type { Logger } from "@platform-metrics/sdk";
import type { Discovery } from "./follow.js";
import { type DiscoveredTargets, targetsOf, validOrg } from "./targets.js";

/** The targets the cluster holds now; a problem with an object's annotations is logged once. */
export function discoveredTargets(discovery: Discovery, timeoutMs: number, log: Logger): DiscoveredTargets {
  const found: DiscoveredTargets = { targets: [], problems: [] };
  const defaults = {
    timeoutMs,
    orgOf: (namespace: string) => {
      const label = discovery.namespaces.objects.get(namespace)?.org;
      const org = validOrg(label);
      if (label !== undefined && org === undefined)
        found.problems.push(
          `namespace ${namespace}: org label ${JSON.stringify(label)} is not a valid org (lowercase letters, digits, - and _); its targets go to PM_ORG`,
        );
      return org;
    },
  };
  targetsOf("service", discovery.services.objects.values(), defaults, found);
  targetsOf("pod", discovery.pods.objects.values(), defaults, found);
  const now = new Set(found.problems);
  for (const problem of now) if (!discovery.logged.has(problem)) log.warn(`discovery: ${problem}`);
  discovery.logged.clear();
  for (const problem of now) discovery.logged.add(problem);
  return found;
}
