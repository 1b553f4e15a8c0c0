import type { FieldType, FieldValue } from "../line-protocol/types.js";
import type { MeasurementDeclaration, MeasurementDeclarations } from "../measurements.js";

// Types derived from a collector's `measurements`, so a misspelt measurement, an undeclared tag or a
// value of the wrong type is a compile error where the author writes it. A declaration typed only as
// `MeasurementDeclaration` (names unknown to the compiler) gives plain strings: it still compiles and
// the round checks it at run time, as before.

type DeclaredType<D> = D extends FieldType ? D : D extends { type: infer T extends FieldType } ? T : never;

type TagKeyOf<T> = T extends readonly (infer K extends string)[]
  ? K
  : T extends Readonly<Record<string, string>>
    ? keyof T & string
    : never;

/** The tag keys a measurement declares. */
export type TagKey<M extends MeasurementDeclaration> = TagKeyOf<M["tags"]>;

/** The names of a measurement's fields declared with type `T`. */
export type FieldKey<M extends MeasurementDeclaration, T extends FieldType> = string extends keyof M["fields"]
  ? string
  : {
      [K in keyof M["fields"] & string]: DeclaredType<M["fields"][K]> extends T ? K : never;
    }[keyof M["fields"] & string];

/** The declared type of each field of a measurement. */
export type FieldTypes<M extends MeasurementDeclaration> = {
  [K in keyof M["fields"] & string]: DeclaredType<M["fields"][K]>;
};

/** The measurement names of a set of declarations. */
export type MeasurementName<D extends MeasurementDeclarations> = keyof D & string;

/** A field value as a point carries it, by declared type (integers as bigint). */
export type TypedFieldValue<T extends FieldType> = Extract<FieldValue, { type: T }>;

/** An open measurement (`open.tags`) also carries tags named at run time. */
type OpenTags<M extends MeasurementDeclaration> = M extends { open: { tags: string } }
  ? Record<string, string>
  : unknown;

/** An open measurement (`open.fields`) also carries fields named at run time, of any type. */
type OpenFields<M extends MeasurementDeclaration> = M extends { open: { fields: string } }
  ? Record<string, FieldValue>
  : unknown;

/**
 * A point as `collectOnce` returns it: the measurement's name, its tags by declared key (plus the
 * SDK's `org`, `source` and `cluster`), its fields by declared name with their declared type
 * (integers and unsigned as bigint). Like `Point`, whose shape it narrows, it lists every declared
 * key, but a tag or field the round did not write is absent at run time: read them with `?.`.
 */
export type TypedPoint<D extends MeasurementDeclarations> = {
  [N in MeasurementName<D>]: {
    measurement: N;
    tags: Record<TagKey<D[N]> | "org" | "source" | "cluster", string> & OpenTags<D[N]>;
    fields: { [F in keyof FieldTypes<D[N]>]: TypedFieldValue<FieldTypes<D[N]>[F]> } & OpenFields<D[N]>;
    timestamp: bigint;
  };
}[MeasurementName<D>];
