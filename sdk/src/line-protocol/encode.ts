import { escapeKey, escapeMeasurement, escapeStringField } from "./escape.js";
import { formatFloat } from "./format-float.js";
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from "./limits.js";
import { type FieldValue, LineProtocolError, type Point } from "./types.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

export function encodeFieldValue(key: string, field: FieldValue): string {
  switch (field.type) {
    case "float":
      if (!Number.isFinite(field.value)) {
        throw new LineProtocolError(
          `field ${key}: ${field.value} is not a finite number; InfluxDB refuses NaN and Infinity`,
        );
      }
      return formatFloat(field.value);
    case "integer":
      if (field.value < INT64_MIN || field.value > INT64_MAX) {
        throw new LineProtocolError(`field ${key}: integer ${field.value} is outside int64`);
      }
      return `${field.value}i`;
    case "unsigned":
      if (field.value < 0n || field.value > UINT64_MAX) {
        throw new LineProtocolError(`field ${key}: unsigned ${field.value} is outside uint64`);
      }
      return `${field.value}u`;
    case "string":
      try {
        return escapeStringField(field.value);
      } catch (error) {
        if (error instanceof LineProtocolError) throw new LineProtocolError(`field ${key}: ${error.message}`);
        throw error;
      }
    case "boolean":
      return field.value ? "true" : "false";
  }
}

/** Encodes one point as a line of line protocol (no trailing newline). Tags are sorted, as InfluxDB prefers. */
export function encodePoint(point: Point): string {
  let line = escapeMeasurement(point.measurement);
  for (const key of Object.keys(point.tags).sort()) {
    // InfluxDB refuses a "time" tag and silently drops a "time" field.
    if (key === "time")
      throw new LineProtocolError(`measurement ${point.measurement}: "time" cannot be a tag key`);
    line += `,${escapeKey("tag key", key)}=${escapeKey("tag value", point.tags[key]!)}`;
  }
  const fieldKeys = Object.keys(point.fields);
  if (fieldKeys.length === 0)
    throw new LineProtocolError(`measurement ${point.measurement}: a point needs at least one field`);
  let separator = " ";
  for (const key of fieldKeys) {
    if (key === "time")
      throw new LineProtocolError(`measurement ${point.measurement}: "time" cannot be a field key`);
    line += `${separator}${escapeKey("field key", key)}=${encodeFieldValue(key, point.fields[key]!)}`;
    separator = ",";
  }
  if (point.timestamp !== undefined) {
    // InfluxDB keeps the two lowest and the highest int64 as sentinels and refuses points at those times.
    if (point.timestamp < MIN_TIMESTAMP || point.timestamp > MAX_TIMESTAMP) {
      throw new LineProtocolError(
        `timestamp ${point.timestamp} is outside InfluxDB's range ${MIN_TIMESTAMP} to ${MAX_TIMESTAMP} nanoseconds`,
      );
    }
    line += ` ${point.timestamp}`;
  }
  return line;
}
