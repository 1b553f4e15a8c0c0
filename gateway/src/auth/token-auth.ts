import { createHash, timingSafeEqual } from "node:crypto";
import { unauthorized } from "../errors.js";
import type { Principal } from "./principal.js";
import type { TokenEntry } from "./tokens-file.js";

/**
 * Finds the entry whose digest matches the presented token. Every entry is compared, in constant time
 * over equal-length digests, so the time taken says nothing about which digest came close.
 */
export function authenticateToken(
  entries: readonly TokenEntry[],
  token: string,
  now = new Date(),
): Principal {
  const digest = createHash("sha256").update(token, "utf8").digest();
  let match: TokenEntry | undefined;
  for (const entry of entries) {
    if (timingSafeEqual(entry.digest, digest) && !match) match = entry;
  }
  if (!match) throw unauthorized("the token is not valid", "invalid_token");
  if (match.expires && match.expires.getTime() <= now.getTime()) {
    throw unauthorized(`the token ${match.id} expired at ${match.expires.toISOString()}`, "token_expired");
  }
  return { id: match.id, kind: "token", orgs: match.orgs };
}
