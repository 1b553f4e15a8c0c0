// Reading fields of API objects that arrive as untrusted JSON. Each reader returns the value or
// throws a Malformed that names the field and what it held, so an odd object is skipped and
// counted, never taken for a zero.

export class Malformed extends Error {}

export type Json = Record<string, unknown>;

export function object(value: unknown, field: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Malformed(`${field} missing or not an object`);
  return value as Json;
}

export function optionalObject(value: unknown, field: string): Json | undefined {
  return value === undefined || value === null ? undefined : object(value, field);
}

export function string(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw new Malformed(`${field} missing or not a string`);
  return intern(value);
}

export function optionalString(value: unknown, field: string): string | undefined {
  return value === undefined || value === null || value === "" ? undefined : string(value, field);
}

/** A count the API omits when it is 0 (omitempty): absent reads as 0; anything but a whole number >= 0 is malformed. */
export function count(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new Malformed(`${field} ${JSON.stringify(value)} is not a count`);
  }
  return value;
}

export function optionalCount(value: unknown, field: string): number | undefined {
  return value === undefined || value === null ? undefined : count(value, field);
}

export function array(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Malformed(`${field} is not a list`);
  return value;
}

// Namespaces, phases and reasons repeat across thousands of objects, but each JSON.parse makes new
// strings: held records share one copy of each. Bounded, so hostile churn cannot grow it forever.
const interned = new Map<string, string>();
const MAX_INTERNED = 100_000;

export function intern(text: string): string {
  if (text.length > 253) return text;
  const known = interned.get(text);
  if (known !== undefined) return known;
  if (interned.size >= MAX_INTERNED) interned.clear();
  interned.set(text, text);
  return text;
}
