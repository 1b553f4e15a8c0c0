import { SampleSink } from "./sample.js";

const MAX_DEPTH = 10;

/**
 * A JSON object's numbers, nested keys joined with `_` (as Telegraf's json parser does); strings,
 * booleans, nulls and arrays are not metrics and are passed over. Not an object: payload.
 */
export function parseJson(body: Buffer, maxSeries: number): SampleSink | string {
  let document: unknown;
  try {
    document = JSON.parse(body.toString("utf8"));
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  if (typeof document !== "object" || document === null || Array.isArray(document))
    return "the JSON is not an object of fields";
  const sink = new SampleSink(maxSeries);
  const walk = (object: Record<string, unknown>, prefix: string, depth: number) => {
    for (const [key, value] of Object.entries(object)) {
      const name = prefix + key;
      if (typeof value === "number") sink.add({ name, labels: {}, value: { type: "float", value } });
      else if (typeof value === "object" && value !== null && !Array.isArray(value) && depth < MAX_DEPTH)
        walk(value as Record<string, unknown>, `${name}_`, depth + 1);
    }
  };
  walk(document as Record<string, unknown>, "", 0);
  return sink;
}
