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

/** Something wrong with a point; the SDK drops the field or the point, counts it, and warns once. */
export interface Problem {
  kind: ProblemKind;
  measurement: string;
  field?: string;
  message: string;
  /** Whether the whole point was dropped (otherwise one field was). */
  pointDropped: boolean;
}
