import { NAME_PATTERN } from "./names.js";

/** The JetStream stream every point goes through, and the subjects it holds. */
export const METRICS_STREAM = "METRICS";
export const METRICS_SUBJECTS = "metrics.>";

/** Where the relay keeps the lines it refused, unchanged, under `deadletter.<original subject>`. */
export const DEADLETTER_STREAM = "DEADLETTER";
export const DEADLETTER_SUBJECTS = "deadletter.>";
/** The header of a dead letter that says why its line was refused. */
export const DEADLETTER_REASON_HEADER = "Pm-Deadletter-Reason";

/** `metrics.<org>.<source>`: the subject a publisher of org `org` sends its points to. */
export function metricsSubject(org: string, source: string): string {
  return `metrics.${org}.${source}`;
}

// The org must follow the name rule (it becomes the points' org tag); the source is any one token, so
// Telegraf and other publishers can name themselves as their NATS permissions allow.
const METRICS_SUBJECT = new RegExp(`^metrics\\.(${NAME_PATTERN.source.slice(1, -1)})\\.([^.\\s*>]+)$`);

/** The org and source of a `metrics.<org>.<source>` subject, or undefined when it is not one. */
export function parseMetricsSubject(subject: string): { org: string; source: string } | undefined {
  const match = METRICS_SUBJECT.exec(subject);
  return match ? { org: match[1]!, source: match[2]! } : undefined;
}

export function deadLetterSubject(subject: string): string {
  return `deadletter.${subject}`;
}
