import { isOrgName } from "@platform-metrics/sdk/contracts";
import { badRequest, forbidden } from "../errors.js";

/** Who is calling, after authentication. `orgs` is "*" for platform admins. */
export interface Principal {
  /**
   * Token id, or `oidc:<hash of issuer and sub>` (see oidcPrincipalId): the key of the rate limit;
   * safe to log, never the credential itself.
   */
  id: string;
  kind: "token" | "oidc";
  /** The JWT's sub, for the log. */
  subject?: string;
  orgs: ReadonlySet<string> | "*";
}

/** The org a request reads: the one asked for (it must be granted) or the token's only org. */
export function resolveOrg(principal: Principal, requested: unknown): string {
  if (principal.orgs !== "*" && principal.orgs.size === 0) throw forbidden("these credentials grant no org");
  if (requested === undefined || requested === "") {
    if (principal.orgs !== "*" && principal.orgs.size === 1) return principal.orgs.values().next().value!;
    throw badRequest("org is required: this token grants several orgs; pass org");
  }
  if (typeof requested !== "string" || !isOrgName(requested)) {
    throw badRequest(
      `org ${JSON.stringify(requested).slice(0, 80)} is not an org name (expected lowercase letters, digits, - or _)`,
    );
  }
  if (principal.orgs !== "*" && !principal.orgs.has(requested)) {
    throw forbidden(`this token does not grant org ${JSON.stringify(requested)}`);
  }
  return requested;
}
