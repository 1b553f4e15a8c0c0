import type { z } from "@platform-metrics/sdk";

/** The first problem zod found, as `path: message`, short enough for a log line. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return "invalid";
  const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "(top level)";
  return `${path}: ${issue.message}`.slice(0, 300);
}
