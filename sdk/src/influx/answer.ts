/** What a replica answered, whatever the outcome. */
export interface InfluxAnswer {
  status: number;
  /** The whole body. */
  text: string;
  /** InfluxDB's error text (`{"error": ...}` or a statement's error), or the body trimmed. */
  message: string;
  /** Whether InfluxDB reported an error, also inside a 200 answer to a query. */
  failed: boolean;
}

/** Reads InfluxDB's error from an answer: the top-level `error`, else the first statement's. */
export function toAnswer(status: number, text: string): InfluxAnswer {
  let message = text.trim();
  let failed = status >= 300;
  // Only a JSON object can hold an error; a 204 has no body and a proxy's page is no JSON.
  if (message.startsWith("{")) {
    try {
      const parsed = JSON.parse(text) as { error?: unknown; results?: { error?: unknown }[] };
      const error = parsed.error ?? parsed.results?.find((r) => r.error !== undefined)?.error;
      if (typeof error === "string") {
        message = error;
        failed = true;
      }
    } catch {
      // Not JSON after all: keep the text.
    }
  }
  return { status, text, message, failed };
}

/** `Authorization: Basic ...`: InfluxDB 1.x takes basic auth, 2.x and 3.x too on their v1 API. */
export function basicAuthorization(username: string, password = ""): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}
