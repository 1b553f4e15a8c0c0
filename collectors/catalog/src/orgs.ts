/**
 * The org of an entity: PM_ORGS by its owner's entity ref, else by `namespace:<its namespace>`,
 * else PM_ORG. Refs are matched as Backstage reads them: case-insensitive, and an owner written
 * without kind or namespace (`team-a`, `group:team-a`) means kind Group in the entity's namespace.
 */
export class OrgMap {
  private readonly byKey = new Map<string, string>();
  private readonly cache = new Map<string, string>();

  constructor(
    orgs: Record<string, string>,
    private readonly defaultOrg: string,
  ) {
    for (const [key, org] of Object.entries(orgs)) this.byKey.set(normalizeKey(key), org);
  }

  ofEntity(owner: string | undefined, namespace: string | undefined): string {
    const ns = (namespace ?? "default").toLowerCase();
    const id = `${owner ?? ""}\u0000${ns}`;
    let org = this.cache.get(id);
    if (org === undefined) {
      org =
        (owner === undefined ? undefined : this.byKey.get(ownerRef(owner, ns))) ??
        this.byKey.get(`namespace:${ns}`) ??
        this.defaultOrg;
      // Owners are few (teams), but a hostile catalog could invent many: keep the cache bounded.
      if (this.cache.size < 10_000) this.cache.set(id, org);
    }
    return org;
  }

  ofBroker(broker: string): string {
    return this.byKey.get(`broker:${broker.toLowerCase()}`) ?? this.defaultOrg;
  }
}

/** `[kind:][namespace/]name` with kind Group and the given namespace filled in, lowercased. */
export function ownerRef(ref: string, namespace: string): string {
  const text = ref.trim().toLowerCase();
  const colon = text.indexOf(":");
  const kind = colon === -1 ? "group" : text.slice(0, colon);
  const rest = colon === -1 ? text : text.slice(colon + 1);
  const slash = rest.indexOf("/");
  return slash === -1 ? `${kind}:${namespace}/${rest}` : `${kind}:${rest}`;
}

function normalizeKey(key: string): string {
  const lower = key.trim().toLowerCase();
  if (lower.startsWith("namespace:") || lower.startsWith("broker:")) return lower;
  return ownerRef(lower, "default");
}
