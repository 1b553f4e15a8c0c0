import { RESERVED_TAGS } from "./contracts/names.js";
import type { FieldType } from "./line-protocol/types.js";

export { RESERVED_TAGS };

/**
 * Units a field may declare: a closed list, so dashboards can format every one of them (bytes as MiB,
 * ns as ms, ...). A field with no unit is a plain number.
 */
export const UNITS = [
  "bytes",
  "bytes/s",
  "ns",
  "us",
  "ms",
  "s",
  "percent",
  "count",
  "ops/s",
  "watts",
  "celsius",
] as const;
export type Unit = (typeof UNITS)[number];

export interface FieldDeclaration {
  type: FieldType;
  unit?: Unit;
  description?: string;
  /**
   * A running total since the writer started (requests answered), or since what it reads started (a
   * process's CPU seconds): it only grows, and starts again from zero on a restart. Dashboards chart
   * its rate per second, not the total.
   */
  counter?: boolean;
}

/** Units of a value at a moment (a rate, a share, a reading): what no total since start can be in. */
const GAUGE_UNITS: readonly Unit[] = ["bytes/s", "ops/s", "percent", "watts", "celsius"];
const NUMERIC_TYPES: readonly FieldType[] = ["float", "integer", "unsigned"];

/** What a collector promises to write: the docs table and the test kit's checks both come from this. */
export interface MeasurementDeclaration {
  description?: string;
  /** Tag keys, or tag key -> description. `org`, `source` and `cluster` are added by the SDK. */
  tags: readonly string[] | Readonly<Record<string, string>>;
  fields: Readonly<Record<string, FieldType | FieldDeclaration>>;
  /**
   * Tags and fields named at run time by what the collector reads (the metric names and labels an
   * app exposes): any key line protocol can carry is then taken, of any type, besides the declared
   * ones. Each text says what they are, for the docs.
   */
  open?: { tags?: string; fields?: string };
}

export type MeasurementDeclarations = Readonly<Record<string, MeasurementDeclaration>>;

/**
 * Returns its argument, typed exactly as written (names, tag keys, field types) without `as const`,
 * so a collector that declares its measurements in their own file gets typed points. Checked as
 * defineCollector checks a collector's: a bad declaration (a counter that is a string, a field type
 * misspelt) throws where it is made, for the relay's and gateway's own as for a collector's.
 */
export function defineMeasurements<const M extends MeasurementDeclarations>(measurements: M): M {
  const problems = checkDeclarations(measurements);
  if (problems.length > 0) throw new Error(`bad measurement declarations: ${problems.join("; ")}`);
  return measurements;
}

export const MEASUREMENT_NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/;
export const KEY_NAME = /^[a-z][a-z0-9_]*$/;
const FIELD_TYPES: readonly FieldType[] = ["float", "integer", "unsigned", "string", "boolean"];

export function tagNames(declaration: MeasurementDeclaration): string[] {
  return Array.isArray(declaration.tags) ? [...declaration.tags] : Object.keys(declaration.tags);
}

export function tagDescription(declaration: MeasurementDeclaration, tag: string): string | undefined {
  return Array.isArray(declaration.tags) ? undefined : (declaration.tags as Record<string, string>)[tag];
}

export function fieldDeclaration(
  declaration: MeasurementDeclaration,
  field: string,
): FieldDeclaration | undefined {
  const entry = declaration.fields[field];
  if (entry === undefined) return undefined;
  return typeof entry === "string" ? { type: entry } : entry;
}

/**
 * Checks the declarations themselves, when a collector is defined, so a typo fails at start-up
 * and not at the first round. Returns every problem found.
 */
export function checkDeclarations(declarations: MeasurementDeclarations): string[] {
  const problems: string[] = [];
  for (const [measurement, declaration] of Object.entries(declarations)) {
    if (!MEASUREMENT_NAME.test(measurement)) {
      problems.push(
        `measurement ${JSON.stringify(measurement)}: expected snake_case with a domain prefix, e.g. perf_process`,
      );
    }
    for (const tag of tagNames(declaration)) {
      if (!KEY_NAME.test(tag) || tag === "time")
        problems.push(`${measurement}: tag ${JSON.stringify(tag)} is not snake_case`);
      if ((RESERVED_TAGS as readonly string[]).includes(tag)) {
        problems.push(`${measurement}: tag ${tag} is added by the SDK; do not declare it`);
      }
    }
    const fields = Object.keys(declaration.fields);
    if (fields.length === 0 && declaration.open?.fields === undefined)
      problems.push(`${measurement}: declares no fields`);
    for (const field of fields) {
      if (!KEY_NAME.test(field) || field === "time")
        problems.push(`${measurement}: field ${JSON.stringify(field)} is not snake_case`);
      if ((RESERVED_TAGS as readonly string[]).includes(field)) {
        problems.push(
          `${measurement}: field ${field} has the name of a tag the SDK adds (${RESERVED_TAGS.join(", ")}); the relay refuses such lines`,
        );
      }
      const type = fieldDeclaration(declaration, field)?.type;
      if (!type || !FIELD_TYPES.includes(type)) {
        problems.push(
          `${measurement}.${field}: type ${JSON.stringify(type)} is not one of ${FIELD_TYPES.join(", ")}`,
        );
      }
      const unit = fieldDeclaration(declaration, field)?.unit;
      if (unit !== undefined && !(UNITS as readonly string[]).includes(unit)) {
        problems.push(
          `${measurement}.${field}: unit ${JSON.stringify(unit)} is not one of ${UNITS.join(", ")}`,
        );
      }
      if (unit !== undefined && (type === "string" || type === "boolean")) {
        problems.push(`${measurement}.${field}: a ${type} field has no unit`);
      }
      problems.push(...counterProblems(`${measurement}.${field}`, fieldDeclaration(declaration, field)!));
    }
  }
  return problems;
}

function counterProblems(where: string, field: FieldDeclaration): string[] {
  const { counter, type, unit } = field;
  if (counter === undefined) return [];
  if (typeof counter !== "boolean")
    return [`${where}: counter ${JSON.stringify(counter)} is not true or false`];
  if (!counter) return [];
  if (!NUMERIC_TYPES.includes(type))
    return [`${where}: a ${type} field cannot be a counter (only numbers add up)`];
  if (unit !== undefined && GAUGE_UNITS.includes(unit))
    return [`${where}: unit ${unit} is a value at a moment, not a total: a counter has no such unit`];
  return [];
}
