/**
 * An org or a source name is a NATS subject token of `metrics.<org>.<source>`: lowercase letters,
 * digits, - and _, no dots, spaces or wildcards, so a name can never reach into another org's subjects.
 */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** What NAME_PATTERN allows, in words, for error messages. */
export const NAME_RULE = "lowercase letters, digits, - or _ (a NATS subject token), at most 63 characters";

/** Whether `value` may be an org (tenant) name: the same rule for collectors, the relay and the gateway. */
export function isOrgName(value: unknown): value is string {
  return typeof value === "string" && NAME_PATTERN.test(value);
}

/** The org of points no tenant owns (the platform's own metrics) unless configured otherwise. */
export const PLATFORM_ORG = "platform";

/** Tags every point gets from the platform (the SDK, the relay); a collector declares only its own. */
export const RESERVED_TAGS = ["org", "source", "cluster"] as const;
export type ReservedTag = (typeof RESERVED_TAGS)[number];
