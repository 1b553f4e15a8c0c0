export type FieldType = "float" | "integer" | "unsigned" | "string" | "boolean";

/** A typed field value. Integers are bigint so every int64/uint64 round-trips exactly. */
export type FieldValue =
  | { type: "float"; value: number }
  | { type: "integer"; value: bigint }
  | { type: "unsigned"; value: bigint }
  | { type: "string"; value: string }
  | { type: "boolean"; value: boolean };

/** One InfluxDB point. `timestamp` is integer nanoseconds since the epoch. */
export interface Point {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  timestamp?: bigint;
}

export class LineProtocolError extends Error {
  override name = "LineProtocolError";
}
