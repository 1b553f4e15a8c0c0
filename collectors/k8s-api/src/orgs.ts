import { type Logger, subjectToken } from "@platform-metrics/sdk";
import type { Informer } from "@platform-metrics/sdk/kube";
import type { NamespaceRecord } from "./kube/records.js";

/**
 * The org of a namespace's points: its org label's value, else PM_ORG. A value that cannot be an
 * org (a NATS subject token) falls back to PM_ORG, with a warning once per namespace and value.
 */
export class OrgResolver {
  private readonly warned = new Set<string>();

  constructor(
    private readonly namespaces: Informer<NamespaceRecord>,
    private readonly defaultOrg: string,
    private readonly log: Logger,
  ) {}

  orgOf(namespace: string | undefined): string {
    if (namespace === undefined) return this.defaultOrg;
    const label = this.namespaces.objects.get(namespace)?.orgLabel;
    if (label === undefined) return this.defaultOrg;
    if (subjectToken.safeParse(label).success) return label;
    const key = `${namespace}\u0000${label}`;
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.log.warn(
        { namespace, label },
        `namespace ${namespace}: org label value ${JSON.stringify(label)} is not a valid org (lowercase letters, digits, - or _); its points go to ${this.defaultOrg}`,
      );
    }
    return this.defaultOrg;
  }
}
