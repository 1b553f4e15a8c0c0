import { LRUCache } from "lru-cache";

export interface FailureLimitOptions {
  /** Failed authentications one client address may make in a window. */
  limit: number;
  windowMs: number;
  /** Addresses remembered at most; the least recently seen go first. */
  maxAddresses: number;
}

/**
 * Counts failed authentications (401s) per client address in a fixed window that starts with the
 * first failure, so token guessing from one address soon meets 429. The map is bounded: an attacker
 * with many addresses pushes out old entries instead of growing it, and each entry ends with its window.
 */
export class FailureLimit {
  private readonly failures: LRUCache<string, number>;

  constructor(private readonly options: FailureLimitOptions) {
    this.failures = new LRUCache({ max: options.maxAddresses, ttl: options.windowMs });
  }

  /** Seconds until `address` may try again, or 0 when it is under the limit. */
  blockedFor(address: string): number {
    const key = addressKey(address);
    if ((this.failures.get(key) ?? 0) < this.options.limit) return 0;
    return Math.max(1, Math.ceil(this.failures.getRemainingTTL(key) / 1000));
  }

  recordFailure(address: string): void {
    const key = addressKey(address);
    // The window stays the one the first failure opened.
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1, { noUpdateTTL: true });
  }
}

/**
 * IPv4 addresses count one by one; IPv6 ones by their /64, the block one host is usually given, so
 * walking through its own addresses does not give a client a fresh allowance each time.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(":")) return address;
  const bare = address.replace(/%.*$/, "").toLowerCase();
  const [head = "", tail] = bare.split("::");
  const groups = (part: string) =>
    part === "" ? [] : part.split(":").flatMap((g) => (g.includes(".") ? ["0", "0"] : [g]));
  const headGroups = groups(head);
  const all =
    tail === undefined
      ? headGroups
      : [
          ...headGroups,
          ...Array(Math.max(0, 8 - headGroups.length - groups(tail).length)).fill("0"),
          ...groups(tail),
        ];
  return `${all
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(":")}::/64`;
}
