import { hash, timingSafeEqual } from "node:crypto";
import { unauthorized } from "../errors.js";
import type { Principal } from "./principal.js";

/** One entry of the tokens file, validated (tokens-file.ts reads them). */
export interface TokenEntry {
  id: string;
  /** sha256 of the token, 32 bytes. */
  digest: Buffer;
  orgs: ReadonlySet<string> | "*";
  expires?: Date;
}

interface Indexed {
  entry: TokenEntry;
  /** Built once per load, so a request allocates none. */
  principal: Principal;
  expiresMs: number;
}

/** The entries of a tokens file, by the hex sha256 of their token. */
export class TokenIndex {
  private readonly byDigest = new Map<string, Indexed>();

  constructor(readonly entries: readonly TokenEntry[]) {
    for (const entry of entries) {
      this.byDigest.set(entry.digest.toString("hex"), {
        entry,
        principal: { id: entry.id, kind: "token", orgs: entry.orgs },
        expiresMs: entry.expires?.getTime() ?? Number.POSITIVE_INFINITY,
      });
    }
  }

  lookup(digestHex: string): Indexed | undefined {
    return this.byDigest.get(digestHex);
  }
}

/**
 * Finds the entry whose digest matches the presented token. The lookup is keyed by the sha256 of
 * what the caller sent, so its timing can only tell about that digest, which the caller knows
 * already, never how close it came to a stored one; the match itself is then confirmed with a
 * constant-time comparison of the digests.
 */
export function authenticateToken(index: TokenIndex, token: string, nowMs = Date.now()): Principal {
  const digest = hash("sha256", token, "buffer");
  const found = index.lookup(digest.toString("hex"));
  if (!found || !timingSafeEqual(found.entry.digest, digest)) {
    throw unauthorized("the token is not valid", "invalid_token");
  }
  if (found.expiresMs <= nowMs) {
    throw unauthorized(
      `the token ${found.entry.id} expired at ${found.entry.expires!.toISOString()}`,
      "token_expired",
    );
  }
  return found.principal;
}
