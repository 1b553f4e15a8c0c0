import { isIP } from "node:net";
import { z } from "@platform-metrics/sdk/service";

// proxy-addr's (fastify's) names for address ranges, accepted beside addresses and CIDRs.
const RANGE_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

function isAddressOrRange(entry: string): boolean {
  if (RANGE_NAMES.has(entry)) return true;
  const [address = "", prefix, extra] = entry.split("/");
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

const EXPECTED = "expected false or the proxies' addresses or CIDRs, comma-separated (e.g. 10.0.0.0/8)";

/**
 * PM_GATEWAY_TRUST_PROXY: the proxies whose `X-Forwarded-For` the gateway believes, for fastify's
 * `trustProxy`. A client can send an `X-Forwarded-For` of its own, which a proxy appends to: trusting
 * every hop (`true`) would let it pick the address it is counted under, and so escape the limit on
 * failed authentications; a hop count cannot tell a proxy from a client that connects directly. So
 * only the proxies' own addresses are taken, and `true` or a number is refused, saying so.
 */
export const trustProxy = z
  .union([z.boolean(), z.number(), z.string()])
  .transform((value, ctx): false | string[] => {
    const text = String(value).trim();
    if (/^(false|)$/i.test(text)) return false;
    if (/^(true|\d+)$/i.test(text)) {
      ctx.addIssue({
        code: "custom",
        message: `${EXPECTED}; ${JSON.stringify(text)} would believe an X-Forwarded-For that a client wrote itself`,
      });
      return z.NEVER;
    }
    const entries = text.split(",").map((entry) => entry.trim());
    const bad = entries.filter((entry) => !isAddressOrRange(entry));
    if (bad.length === 0) return entries;
    ctx.addIssue({
      code: "custom",
      message: `${EXPECTED}; not an address or CIDR: ${bad.map((entry) => JSON.stringify(entry)).join(", ")}`,
    });
    return z.NEVER;
  });
