import type { FieldType, FieldValue, Point } from "./line-protocol/types.js";

/** A problem with one value, found while building; the value is left out and the problem reported. */
export interface BuildProblem {
  kind: "invalid_value" | "non_finite";
  field?: string;
  message: string;
}

export type RawFieldValue = number | bigint | string | boolean;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Builds one point. Bad values never throw (one bad reading must not fail a whole round): they are
 * left out and reported, and the SDK counts and logs them when the round ends.
 *
 * Types and values are kept in two plain records rather than one object per field: a round can hold
 * thousands of points, and fewer objects that outlive a young-generation GC make it much cheaper.
 */
export class PointBuilder {
  readonly tags: Record<string, string> = {};
  readonly fieldTypes: Record<string, FieldType> = {};
  readonly fieldValues: Record<string, RawFieldValue> = {};
  problems: BuildProblem[] | undefined;
  orgOverride: string | undefined;

  constructor(
    readonly measurement: string,
    public timestamp: bigint,
  ) {}

  tag(key: string, value: string | number | boolean | undefined | null): this {
    if (value === undefined || value === null || value === "") return this;
    this.tags[key] = String(value);
    return this;
  }

  /** Points are published to `metrics.<org>.<source>`; by default the org is `PM_ORG`. */
  org(org: string): this {
    this.orgOverride = org;
    return this;
  }

  float(key: string, value: number | undefined | null): this {
    if (value === undefined || value === null) return this;
    if (typeof value !== "number")
      return this.invalid(key, `expected a number for float field ${key}, got ${typeof value}`);
    if (!Number.isFinite(value)) return this.nonFinite(key, value);
    return this.set(key, "float", value);
  }

  /** A signed 64-bit integer; a number must be a whole number, a bigint within int64. */
  integer(key: string, value: number | bigint | undefined | null): this {
    if (value === undefined || value === null) return this;
    if (!this.isWhole(key, value, "integer")) return this;
    if (typeof value === "bigint" && (value < INT64_MIN || value > INT64_MAX)) {
      return this.invalid(key, `integer field ${key} is outside int64 (${value})`);
    }
    return this.set(key, "integer", value);
  }

  /** An unsigned 64-bit integer. */
  unsigned(key: string, value: number | bigint | undefined | null): this {
    if (value === undefined || value === null) return this;
    if (!this.isWhole(key, value, "unsigned")) return this;
    if (value < 0) return this.invalid(key, `unsigned field ${key} is negative (${value})`);
    if (typeof value === "bigint" && value > UINT64_MAX)
      return this.invalid(key, `unsigned field ${key} is outside uint64 (${value})`);
    return this.set(key, "unsigned", value);
  }

  string(key: string, value: string | undefined | null): this {
    if (value === undefined || value === null) return this;
    if (typeof value !== "string")
      return this.invalid(key, `expected a string for string field ${key}, got ${typeof value}`);
    return this.set(key, "string", value);
  }

  boolean(key: string, value: boolean | undefined | null): this {
    if (value === undefined || value === null) return this;
    if (typeof value !== "boolean")
      return this.invalid(key, `expected a boolean for boolean field ${key}, got ${typeof value}`);
    return this.set(key, "boolean", value);
  }

  /** Nanoseconds since the epoch (bigint) or a Date. Defaults to the start of the round. */
  at(timestamp: bigint | Date): this {
    this.timestamp = typeof timestamp === "bigint" ? timestamp : BigInt(timestamp.getTime()) * 1_000_000n;
    return this;
  }

  /** The fields as typed values (integers as bigint). */
  get fields(): Record<string, FieldValue> {
    const fields: Record<string, FieldValue> = {};
    for (const key in this.fieldTypes)
      fields[key] = toFieldValue(this.fieldTypes[key]!, this.fieldValues[key]!);
    return fields;
  }

  toPoint(): Point {
    return {
      measurement: this.measurement,
      tags: { ...this.tags },
      fields: this.fields,
      timestamp: this.timestamp,
    };
  }

  private set(key: string, type: FieldType, value: RawFieldValue): this {
    this.fieldTypes[key] = type;
    this.fieldValues[key] = value;
    return this;
  }

  private isWhole(key: string, value: number | bigint, type: string): boolean {
    if (typeof value === "bigint" || Number.isInteger(value)) return true;
    if (typeof value === "number" && !Number.isFinite(value)) this.nonFinite(key, value);
    else this.invalid(key, `expected a whole number for ${type} field ${key}, got ${String(value)}`);
    return false;
  }

  private nonFinite(key: string, value: number): this {
    this.problems ??= [];
    this.problems.push({
      kind: "non_finite",
      field: key,
      message: `field ${key} is ${value}; InfluxDB refuses NaN and Infinity`,
    });
    return this;
  }

  private invalid(key: string, message: string): this {
    this.problems ??= [];
    this.problems.push({ kind: "invalid_value", field: key, message });
    return this;
  }
}

export function toFieldValue(type: FieldType, value: RawFieldValue): FieldValue {
  switch (type) {
    case "integer":
    case "unsigned":
      return { type, value: BigInt(value as number | bigint) };
    case "float":
      return { type, value: value as number };
    case "string":
      return { type, value: value as string };
    case "boolean":
      return { type, value: value as boolean };
  }
}
