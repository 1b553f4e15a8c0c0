/** A JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What a JSON value is, for an error message, without quoting its content. */
export function shape(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (isObject(value)) return `an object with keys ${Object.keys(value).slice(0, 5).join(", ") || "none"}`;
  return value === null ? "null" : typeof value;
}
