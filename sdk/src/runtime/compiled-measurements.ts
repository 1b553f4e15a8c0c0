import { escapeKey, escapeMeasurement } from "../line-protocol/escape.js";
import type { FieldType } from "../line-protocol/types.js";
import { fieldDeclaration, type MeasurementDeclarations, RESERVED_TAGS, tagNames } from "../measurements.js";

export interface CompiledTag {
  key: string;
  /** `,key=` ready to prepend to the escaped value. */
  prefix: string;
  /** Set by the SDK (org, source, cluster) rather than by the collector. */
  fromSdk: boolean;
}

export interface CompiledMeasurement {
  escapedName: string;
  tags: ReadonlySet<string>;
  tagList: string;
  /** Declared and SDK tags in key order, so a line's tags come out sorted without sorting per point. */
  sortedTags: readonly CompiledTag[];
  fields: ReadonlyMap<string, { type: FieldType; escapedKey: string }>;
}

const cache = new WeakMap<MeasurementDeclarations, Map<string, CompiledMeasurement>>();

/**
 * Declarations turned into lookups and pre-escaped names, once per collector, so checking and
 * encoding a point costs a few lookups.
 */
export function compileMeasurements(declarations: MeasurementDeclarations): Map<string, CompiledMeasurement> {
  let compiled = cache.get(declarations);
  if (compiled) return compiled;
  compiled = new Map();
  for (const [name, declaration] of Object.entries(declarations)) {
    const tags = tagNames(declaration);
    const fields = new Map<string, { type: FieldType; escapedKey: string }>();
    for (const key of Object.keys(declaration.fields)) {
      fields.set(key, {
        type: fieldDeclaration(declaration, key)!.type,
        escapedKey: escapeKey("field key", key),
      });
    }
    const sortedTags = [
      ...tags.map((key) => ({ key, fromSdk: false })),
      ...RESERVED_TAGS.map((key) => ({ key, fromSdk: true })),
    ]
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map((tag) => ({ ...tag, prefix: `,${escapeKey("tag key", tag.key)}=` }));
    compiled.set(name, {
      escapedName: escapeMeasurement(name),
      tags: new Set(tags),
      tagList: tags.join(", ") || "none",
      sortedTags,
      fields,
    });
  }
  cache.set(declarations, compiled);
  return compiled;
}
