import type { Group } from "./adapters/adapter.js";

/** The org of a group's points: the first of its keys that PM_ORGS maps, else PM_ORG. */
export function orgOf(group: Group, orgs: Readonly<Record<string, string>>, defaultOrg: string): string {
  for (const key of group.orgKeys) {
    const org = Object.hasOwn(orgs, key) ? orgs[key] : undefined;
    if (org !== undefined) return org;
  }
  return defaultOrg;
}
