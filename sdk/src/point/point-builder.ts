import { decodeLine } from "../line-protocol/decode.js";
import { escapeKey, escapeStringField } from "../line-protocol/escape.js";
import { formatFloat } from "../line-protocol/format-float.js";
import { type FieldType, type FieldValue, LineProtocolError, type Point } from "../line-protocol/types.js";
import type { MeasurementDeclaration } from "../measurements.js";
import { type CompiledMeasurement, type TagTemplate, tagTemplate } from "./compiled-measurements.js";
import type { Problem, ProblemKind } from "./problems.js";
import type { FieldKey, TagKey } from "./typed.js";

const SDK_TAGS = ["org", "source", "cluster"] as const;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Builds one point. Bad values never throw (one bad reading must not fail a whole round): they are
 * left out and reported, and the SDK counts and logs them when the round ends.
 *
 * A round can build many thousands of points, so a builder made by a round is checked against its
 * measurement's declaration as it goes and keeps each value already encoded, in one array indexed by
 * the declaration (tags in key order, then fields): the line is then a few concatenations, and a point
 * leaves little garbage. A builder made with `new PointBuilder(name, timestamp)` has no declaration
 * and keeps what it is given as it is.
 */
// biome-ignore lint/suspicious/noExplicitAny: a builder written without its measurement (`PointBuilder`) is untyped, as before typed points, and takes any typed one.
export class PointBuilder<M extends MeasurementDeclaration = any> {
  problems: Problem[] | undefined;
  orgOverride: string | undefined;
  /** Why the whole point is dropped (an undeclared tag, a value line protocol cannot carry). */
  dropped: Problem | undefined;
  /** How many declared fields have a value. */
  fieldCount = 0;
  /** Encoded tag values, then encoded field values, by the declaration's slots. */
  private readonly slots: (string | undefined)[] | undefined;
  /** Set by the round when it encoded this point early; a later change takes the line back. */
  settled: object | undefined;
  private openTags: Record<string, string> | undefined;
  private openFields: Record<string, FieldValue> | undefined;
  /** Undeclared tags and fields of an open measurement: key -> encoded `key=value`. */
  private extraTags: Map<string, string> | undefined;
  private extraFields: Map<string, string> | undefined;

  constructor(
    readonly measurement: string,
    public timestamp: bigint,
    readonly declaration?: CompiledMeasurement,
    private readonly owner?: { reopen(builder: PointBuilder, settled: never): void },
  ) {
    if (declaration !== undefined) this.slots = new Array<string | undefined>(declaration.slotCount);
  }

  tag(key: TagKey<M>, value: string | number | boolean | undefined | null): this {
    if (this.settled !== undefined) this.reopen();
    if (value === undefined || value === null || value === "") return this;
    const text = typeof value === "string" ? value : String(value);
    const declared = this.declaration;
    if (declared === undefined) {
      this.openTags ??= {};
      this.openTags[key] = text;
      return this;
    }
    const slot = declared.tagSlots.get(key);
    if (slot === undefined && declared.openTags && !(SDK_TAGS as readonly string[]).includes(key)) {
      try {
        this.extraTags ??= new Map();
        this.extraTags.set(key, `${escapeKey("tag key", key)}=${escapeKey("tag value", text)}`);
      } catch (error) {
        this.unencodable(error);
      }
      return this;
    }
    if (slot === undefined) {
      return this.drop(
        "undeclared_tag",
        `${this.measurement}: tag ${JSON.stringify(key)} is not declared (declared: ${declared.tagList})`,
      );
    }
    try {
      this.slots![slot] = escapeKey("tag value", text);
    } catch (error) {
      this.unencodable(error);
    }
    return this;
  }

  /** Points are published to `metrics.<org>.<source>`; by default the org is `PM_ORG`. */
  org(org: string): this {
    if (this.settled !== undefined) this.reopen();
    this.orgOverride = org;
    return this;
  }

  float(key: FieldKey<M, "float">, value: number | undefined | null): this {
    if (this.settled !== undefined) this.reopen();
    if (value === undefined || value === null) return this;
    if (typeof value !== "number")
      return this.invalid(key, `expected a number for float field ${key}, got ${typeof value}`);
    if (!Number.isFinite(value)) return this.nonFinite(key, value);
    return this.declaration === undefined
      ? this.open(key, { type: "float", value })
      : this.set(key, "float", formatFloat(value));
  }

  /** A signed 64-bit integer; a number must be a whole number, a bigint within int64. */
  integer(key: FieldKey<M, "integer">, value: number | bigint | undefined | null): this {
    if (this.settled !== undefined) this.reopen();
    if (value === undefined || value === null) return this;
    if (!this.isWhole(key, value, "integer")) return this;
    // A whole number beyond 2^53 would print as 1e+21; as a bigint it prints (and is range-checked) exactly.
    if (typeof value === "number" && !Number.isSafeInteger(value)) value = BigInt(value);
    if (typeof value === "bigint" && (value < INT64_MIN || value > INT64_MAX)) {
      return this.invalid(key, `integer field ${key} is outside int64 (${value})`);
    }
    return this.declaration === undefined
      ? this.open(key, { type: "integer", value: BigInt(value) })
      : this.set(key, "integer", `${value}i`);
  }

  /** An unsigned 64-bit integer. */
  unsigned(key: FieldKey<M, "unsigned">, value: number | bigint | undefined | null): this {
    if (this.settled !== undefined) this.reopen();
    if (value === undefined || value === null) return this;
    if (!this.isWhole(key, value, "unsigned")) return this;
    if (typeof value === "number" && !Number.isSafeInteger(value)) value = BigInt(value);
    if (value < 0) return this.invalid(key, `unsigned field ${key} is negative (${value})`);
    if (typeof value === "bigint" && value > UINT64_MAX)
      return this.invalid(key, `unsigned field ${key} is outside uint64 (${value})`);
    return this.declaration === undefined
      ? this.open(key, { type: "unsigned", value: BigInt(value) })
      : this.set(key, "unsigned", `${value}u`);
  }

  string(key: FieldKey<M, "string">, value: string | undefined | null): this {
    if (this.settled !== undefined) this.reopen();
    if (value === undefined || value === null) return this;
    if (typeof value !== "string")
      return this.invalid(key, `expected a string for string field ${key}, got ${typeof value}`);
    if (this.declaration === undefined) return this.open(key, { type: "string", value });
    let text: string;
    try {
      text = escapeStringField(value);
    } catch (error) {
      return this.unencodable(error, key);
    }
    return this.set(key, "string", text);
  }

  boolean(key: FieldKey<M, "boolean">, value: boolean | undefined | null): this {
    if (this.settled !== undefined) this.reopen();
    if (value === undefined || value === null) return this;
    if (typeof value !== "boolean")
      return this.invalid(key, `expected a boolean for boolean field ${key}, got ${typeof value}`);
    return this.declaration === undefined
      ? this.open(key, { type: "boolean", value })
      : this.set(key, "boolean", value ? "true" : "false");
  }

  /** Nanoseconds since the epoch (bigint) or a Date. Defaults to the start of the round. */
  at(timestamp: bigint | Date): this {
    if (this.settled !== undefined) this.reopen();
    this.timestamp = typeof timestamp === "bigint" ? timestamp : BigInt(timestamp.getTime()) * 1_000_000n;
    return this;
  }

  /** The tags set so far (without the SDK's org, source and cluster). */
  get tags(): Record<string, string> {
    return this.declaration === undefined ? { ...this.openTags } : { ...this.decode().tags };
  }

  /** The valid fields set so far, as typed values (integers as bigint). */
  get fields(): Record<string, FieldValue> {
    return this.declaration === undefined ? { ...this.openFields } : { ...this.decode().fields };
  }

  toPoint(): Point {
    return { measurement: this.measurement, tags: this.tags, fields: this.fields, timestamp: this.timestamp };
  }

  /**
   * The point as a line (measurement, tags, fields; `timestampText` is appended as given). Only for a
   * builder with a declaration, at least one field and no reason to be dropped.
   */
  encode(template: TagTemplate, timestampText: string): string {
    if (this.extraTags !== undefined || this.extraFields !== undefined)
      return this.encodeOpen(template, timestampText);
    const declared = this.declaration!;
    const slots = this.slots!;
    let line = declared.escapedName;
    for (let i = 0; i < declared.tagCount; i++) {
      const value = slots[i];
      line = value === undefined ? line + template.withoutTag[i] : line + template.withTag[i] + value;
    }
    line += template.tail;
    let first = true;
    for (const field of declared.fieldList) {
      const value = slots[field.slot];
      if (value === undefined) continue;
      line = line + (first ? field.first : field.glue) + value;
      first = false;
    }
    return line + timestampText;
  }

  /** The slower path of a point with undeclared tags or fields: every tag sorted by key, as InfluxDB prefers. */
  private encodeOpen(template: TagTemplate, timestampText: string): string {
    const declared = this.declaration!;
    const slots = this.slots!;
    const tags: [string, string][] = [];
    for (const [key, slot] of declared.tagSlots) {
      const value = slots[slot];
      if (value !== undefined) tags.push([key, `${escapeKey("tag key", key)}=${value}`]);
    }
    for (const key of SDK_TAGS) {
      const value = template[key];
      if (value) tags.push([key, `${key}=${escapeKey("tag value", value)}`]);
    }
    if (this.extraTags !== undefined) tags.push(...this.extraTags);
    tags.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let line = declared.escapedName;
    for (const [, text] of tags) line += `,${text}`;
    let first = true;
    for (const field of declared.fieldList) {
      const value = slots[field.slot];
      if (value === undefined) continue;
      line = line + (first ? field.first : field.glue) + value;
      first = false;
    }
    for (const text of this.extraFields?.values() ?? []) {
      line += (first ? " " : ",") + text;
      first = false;
    }
    return line + timestampText;
  }

  private reopen(): void {
    const settled = this.settled as never;
    this.settled = undefined;
    this.owner?.reopen(this as unknown as PointBuilder, settled);
  }

  private decode() {
    const line =
      this.fieldCount > 0 ? this.encode(tagTemplate(this.declaration!, "", "", undefined), "") : null;
    return line === null ? { tags: {}, fields: {} } : decodeLine(line);
  }

  private set(key: string, type: FieldType, text: string): this {
    const field = this.declaration!.fields.get(key);
    if (field === undefined && this.declaration!.openFields) {
      let encoded: string;
      try {
        encoded = `${escapeKey("field key", key)}=${text}`;
      } catch (error) {
        return this.unencodable(error, key);
      }
      this.extraFields ??= new Map();
      if (!this.extraFields.has(key)) this.fieldCount++;
      this.extraFields.set(key, encoded);
      return this;
    }
    if (field === undefined) {
      return this.problem(
        "undeclared_field",
        key,
        `${this.measurement}: field ${JSON.stringify(key)} is not declared`,
      );
    }
    if (field.type !== type) {
      return this.problem(
        "field_type",
        key,
        `${this.measurement}.${key}: declared ${field.type}, written as ${type}`,
      );
    }
    const slots = this.slots!;
    if (slots[field.slot] === undefined) this.fieldCount++;
    slots[field.slot] = text;
    return this;
  }

  private open(key: string, value: FieldValue): this {
    this.openFields ??= {};
    this.openFields[key] = value;
    this.fieldCount = Object.keys(this.openFields).length;
    return this;
  }

  private isWhole(key: string, value: number | bigint, type: string): boolean {
    if (typeof value === "bigint" || Number.isInteger(value)) return true;
    if (typeof value === "number" && !Number.isFinite(value)) this.nonFinite(key, value);
    else this.invalid(key, `expected a whole number for ${type} field ${key}, got ${String(value)}`);
    return false;
  }

  private nonFinite(key: string, value: number): this {
    return this.problem("non_finite", key, `field ${key} is ${value}; InfluxDB refuses NaN and Infinity`);
  }

  private invalid(key: string, message: string): this {
    return this.problem("invalid_value", key, message);
  }

  private unencodable(error: unknown, field?: string): this {
    if (!(error instanceof LineProtocolError)) throw error;
    const where = field === undefined ? "" : `field ${field}: `;
    return this.drop("unencodable", `${this.measurement}: ${where}${error.message}`);
  }

  private problem(kind: ProblemKind, field: string, message: string): this {
    this.problems ??= [];
    this.problems.push({ kind, measurement: this.measurement, field, message, pointDropped: false });
    return this;
  }

  private drop(kind: ProblemKind, message: string): this {
    this.dropped ??= { kind, measurement: this.measurement, message, pointDropped: true };
    return this;
  }
}
