import { RESERVED_TAGS } from "../contracts/names.js";
import { encodePoint } from "../line-protocol/encode.js";
import type { Point } from "../line-protocol/types.js";
import { fieldDeclaration, type MeasurementDeclarations, tagNames } from "../measurements.js";

/**
 * What is wrong with a point by its declarations: a measurement, tag or field not declared, or a field
 * of another type. A service (the relay) builds its own points by hand, so this is its check.
 */
export function checkPoint(declarations: MeasurementDeclarations, point: Point): string[] {
  const declaration = declarations[point.measurement];
  if (!declaration) return [`measurement ${JSON.stringify(point.measurement)} is not declared`];
  const problems: string[] = [];
  const tags = tagNames(declaration);
  for (const tag of Object.keys(point.tags)) {
    if (!tags.includes(tag) && !(RESERVED_TAGS as readonly string[]).includes(tag))
      problems.push(`${point.measurement}: tag ${JSON.stringify(tag)} is not declared`);
  }
  for (const [field, value] of Object.entries(point.fields)) {
    const declared = fieldDeclaration(declaration, field);
    if (!declared) problems.push(`${point.measurement}: field ${JSON.stringify(field)} is not declared`);
    else if (declared.type !== value.type)
      problems.push(`${point.measurement}.${field}: declared ${declared.type}, got ${value.type}`);
  }
  return problems;
}

/** The point's line, once it matches its declarations; throws an Error listing what does not. */
export function declaredLine(declarations: MeasurementDeclarations, point: Point): string {
  const problems = checkPoint(declarations, point);
  if (problems.length > 0) throw new Error(`point breaks its declarations: ${problems.join("; ")}`);
  return encodePoint(point);
}
