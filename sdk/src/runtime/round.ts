import { escapeKey, escapeStringField } from "../line-protocol/escape.js";
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from "../line-protocol/limits.js";
import { type FieldType, LineProtocolError, type Point } from "../line-protocol/types.js";
import type { MeasurementDeclarations } from "../measurements.js";
import { PointBuilder, type RawFieldValue, toFieldValue } from "../point-builder.js";
import { type CompiledMeasurement, compileMeasurements } from "./compiled-measurements.js";

const ORG = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export type ProblemKind =
  | "undeclared_measurement"
  | "undeclared_tag"
  | "undeclared_field"
  | "field_type"
  | "invalid_value"
  | "non_finite"
  | "no_fields"
  | "unencodable"
  | "invalid_org";

export interface Problem {
  kind: ProblemKind;
  measurement: string;
  field?: string;
  message: string;
  /** Whether the whole point was dropped (otherwise one field was). */
  pointDropped: boolean;
}

export interface RoundOutput {
  /** Encoded lines by org, in the order the points were built. */
  linesByOrg: Map<string, string[]>;
  /** How many valid points there are. */
  count: number;
  /** The decoded points, only when asked for (the test kit): the service needs just the lines. */
  points: Point[];
  problems: Problem[];
  droppedPoints: number;
  droppedFields: number;
}

export interface RoundTags {
  org: string;
  source: string;
  cluster?: string;
}

/** Collects the points a round builds, then checks them against the declarations and encodes them. */
export class RoundRecorder {
  private readonly builders: PointBuilder[] = [];
  private sealed = false;

  constructor(
    readonly timestamp: bigint,
    private readonly declarations: MeasurementDeclarations,
  ) {}

  point(measurement: string): PointBuilder {
    const builder = new PointBuilder(measurement, this.timestamp);
    // Points built after the round timed out are not part of the round.
    if (!this.sealed) this.builders.push(builder);
    return builder;
  }

  /** Later `point()` calls build points that are thrown away. */
  seal(): void {
    this.sealed = true;
  }

  /** Ends the round and returns its valid points, encoded. */
  finish(tags: RoundTags, options: { keepPoints?: boolean } = {}): RoundOutput {
    this.seal();
    return finishPoints(this.builders, this.declarations, tags, options);
  }
}

export function finishPoints(
  builders: PointBuilder[],
  declarations: MeasurementDeclarations,
  tags: RoundTags,
  options: { keepPoints?: boolean } = {},
): RoundOutput {
  const measurements = compileMeasurements(declarations);
  const output: RoundOutput = {
    linesByOrg: new Map(),
    count: 0,
    points: [],
    problems: [],
    droppedPoints: 0,
    droppedFields: 0,
  };
  const report = (problem: Problem) => {
    output.problems.push(problem);
    if (problem.pointDropped) output.droppedPoints++;
    else output.droppedFields++;
  };
  const sdkTags: Record<string, string> = { source: tags.source };
  if (tags.cluster) sdkTags.cluster = tags.cluster;

  for (const builder of builders) {
    const measurement = builder.measurement;
    for (const problem of builder.problems ?? []) report({ ...problem, measurement, pointDropped: false });

    const declaration = measurements.get(measurement);
    if (!declaration) {
      report({
        kind: "undeclared_measurement",
        measurement,
        pointDropped: true,
        message: `measurement ${JSON.stringify(measurement)} is not declared by this collector`,
      });
      continue;
    }
    let undeclaredTag: string | undefined;
    for (const tag in builder.tags) {
      if (!declaration.tags.has(tag)) undeclaredTag ??= tag;
    }
    if (undeclaredTag !== undefined) {
      report({
        kind: "undeclared_tag",
        measurement,
        pointDropped: true,
        message: `${measurement}: tag ${JSON.stringify(undeclaredTag)} is not declared (declared: ${declaration.tagList})`,
      });
      continue;
    }
    const org = builder.orgOverride ?? tags.org;
    if (org !== tags.org && !ORG.test(org)) {
      report({
        kind: "invalid_org",
        measurement,
        pointDropped: true,
        message: `${measurement}: org ${JSON.stringify(org)} is not a valid NATS subject token`,
      });
      continue;
    }
    try {
      const fieldsText = encodeFields(builder, declaration, report);
      if (fieldsText === "") {
        report({
          kind: "no_fields",
          measurement,
          pointDropped: true,
          message: `${measurement}: point has no valid fields, dropped`,
        });
        continue;
      }
      sdkTags.org = org;
      const line = `${declaration.escapedName}${encodeTags(declaration, builder.tags, sdkTags)} ${fieldsText}${encodeTimestamp(builder.timestamp)}`;
      const lines = output.linesByOrg.get(org);
      if (lines) lines.push(line);
      else output.linesByOrg.set(org, [line]);
      output.count++;
      if (options.keepPoints)
        output.points.push(toPoint(builder, { ...builder.tags, ...sdkTags }, declaration));
    } catch (error) {
      if (!(error instanceof LineProtocolError)) throw error;
      report({
        kind: "unencodable",
        measurement,
        pointDropped: true,
        message: `${measurement}: ${error.message}`,
      });
    }
  }
  return output;
}

// Tag values repeat from round to round (hosts, pods, targets): escape each once.
const escapedValues = new Map<string, string>();
const ESCAPE_CACHE_SIZE = 10_000;

function escapeTagValue(value: string): string {
  let escaped = escapedValues.get(value);
  if (escaped === undefined) {
    escaped = escapeKey("tag value", value);
    if (escapedValues.size >= ESCAPE_CACHE_SIZE) escapedValues.clear();
    escapedValues.set(value, escaped);
  }
  return escaped;
}

/** `,k=v` for each tag that has a value, in key order (InfluxDB prefers sorted tags). */
function encodeTags(
  declaration: CompiledMeasurement,
  own: Record<string, string>,
  sdk: Record<string, string>,
): string {
  let text = "";
  for (const tag of declaration.sortedTags) {
    const value = tag.fromSdk ? sdk[tag.key] : own[tag.key];
    if (value !== undefined) text += tag.prefix + escapeTagValue(value);
  }
  return text;
}

/** The field section; fields of a wrong type or not declared are reported and left out. */
function encodeFields(
  builder: PointBuilder,
  declaration: CompiledMeasurement,
  report: (problem: Problem) => void,
): string {
  const measurement = builder.measurement;
  let text = "";
  for (const key in builder.fieldTypes) {
    const type = builder.fieldTypes[key]!;
    const declared = declaration.fields.get(key);
    if (!declared) {
      report({
        kind: "undeclared_field",
        measurement,
        field: key,
        pointDropped: false,
        message: `${measurement}: field ${JSON.stringify(key)} is not declared`,
      });
    } else if (declared.type !== type) {
      report({
        kind: "field_type",
        measurement,
        field: key,
        pointDropped: false,
        message: `${measurement}.${key}: declared ${declared.type}, written as ${type}`,
      });
    } else {
      text += `${text === "" ? "" : ","}${declared.escapedKey}=${encodeValue(type, builder.fieldValues[key]!)}`;
    }
  }
  return text;
}

/** Values were checked by the builder (finite floats, whole numbers in range). */
function encodeValue(type: FieldType, value: RawFieldValue): string {
  switch (type) {
    case "float":
      // String(-0) is "0"; keep the sign so the value reads back identical.
      return Object.is(value, -0) ? "-0" : String(value);
    case "integer":
      return `${value}i`;
    case "unsigned":
      return `${value}u`;
    case "string":
      return escapeStringField(value as string);
    case "boolean":
      return value ? "true" : "false";
  }
}

function encodeTimestamp(timestamp: bigint): string {
  if (timestamp < MIN_TIMESTAMP || timestamp > MAX_TIMESTAMP) {
    throw new LineProtocolError(
      `timestamp ${timestamp} is outside InfluxDB's range ${MIN_TIMESTAMP} to ${MAX_TIMESTAMP} nanoseconds`,
    );
  }
  return ` ${timestamp}`;
}

function toPoint(
  builder: PointBuilder,
  pointTags: Record<string, string>,
  declaration: CompiledMeasurement,
): Point {
  const fields: Point["fields"] = {};
  for (const key in builder.fieldTypes) {
    const type = builder.fieldTypes[key]!;
    if (declaration.fields.get(key)?.type === type)
      fields[key] = toFieldValue(type, builder.fieldValues[key]!);
  }
  return { measurement: builder.measurement, tags: pointTags, fields, timestamp: builder.timestamp };
}
