import { escapeKey, escapeMeasurement } from "../line-protocol/escape.js";
import type { FieldType } from "../line-protocol/types.js";
import { fieldDeclaration, type MeasurementDeclarations, RESERVED_TAGS, tagNames } from "../measurements.js";

export interface CompiledField {
  type: FieldType;
  /** Where the builder keeps the field's encoded value (after the tags). */
  slot: number;
  /** `,key=` ready to prepend to the encoded value; `first` is ` key=` for the first field of a line. */
  glue: string;
  first: string;
}

/**
 * A line's tag section, for one set of SDK tag values (org, source, cluster): declared tags come in
 * key order, and the SDK tags that sort between them are already written into the glue.
 */
export interface TagTemplate {
  org: string;
  source: string;
  cluster: string | undefined;
  /** Text before declared tag i when it has a value: SDK tags that sort before it, then `,key=`. */
  withTag: readonly string[];
  /** The same, when tag i has no value: only the SDK tags. */
  withoutTag: readonly string[];
  /** SDK tags that sort after every declared tag. */
  tail: string;
}

export interface CompiledMeasurement {
  name: string;
  escapedName: string;
  /** Declared tag key -> slot (slots 0..tagCount-1, in key order). */
  tagSlots: ReadonlyMap<string, number>;
  tagCount: number;
  tagList: string;
  fields: ReadonlyMap<string, CompiledField>;
  /** Declared fields in declaration order, which is the order they are written in. */
  fieldList: readonly CompiledField[];
  slotCount: number;
  /** Undeclared tags and fields are taken (MeasurementDeclaration.open). */
  openTags: boolean;
  openFields: boolean;
  /** Templates by SDK tag values; nearly always one per process. */
  templates: Map<string, TagTemplate>;
  lastTemplate: TagTemplate | undefined;
}

const cache = new WeakMap<MeasurementDeclarations, Map<string, CompiledMeasurement>>();

/**
 * Declarations turned into lookups and pre-escaped text, once per declarations object (a WeakMap),
 * so checking and encoding a point costs a few lookups and concatenations.
 */
export function compileMeasurements(declarations: MeasurementDeclarations): Map<string, CompiledMeasurement> {
  let compiled = cache.get(declarations);
  if (compiled) return compiled;
  compiled = new Map();
  for (const [name, declaration] of Object.entries(declarations)) {
    const tags = tagNames(declaration).sort();
    const fieldList = Object.keys(declaration.fields).map(
      (key, i): CompiledField => ({
        type: fieldDeclaration(declaration, key)!.type,
        slot: tags.length + i,
        glue: `,${escapeKey("field key", key)}=`,
        first: ` ${escapeKey("field key", key)}=`,
      }),
    );
    compiled.set(name, {
      name,
      escapedName: escapeMeasurement(name),
      tagSlots: new Map(tags.map((key, i) => [key, i])),
      tagCount: tags.length,
      tagList: tagNames(declaration).join(", ") || "none",
      fields: new Map(Object.keys(declaration.fields).map((key, i) => [key, fieldList[i]!])),
      fieldList,
      slotCount: tags.length + fieldList.length,
      openTags: declaration.open?.tags !== undefined,
      openFields: declaration.open?.fields !== undefined,
      templates: new Map(),
      lastTemplate: undefined,
    });
  }
  cache.set(declarations, compiled);
  return compiled;
}

const MAX_TEMPLATES = 1000;

/** The tag template for these SDK tag values; values must already be valid for a subject or tag. */
export function tagTemplate(
  measurement: CompiledMeasurement,
  org: string,
  source: string,
  cluster: string | undefined,
): TagTemplate {
  const last = measurement.lastTemplate;
  if (last !== undefined && last.org === org && last.source === source && last.cluster === cluster)
    return last;
  const key = `${org}\u0000${source}\u0000${cluster ?? ""}`;
  let template = measurement.templates.get(key);
  if (template === undefined) {
    template = buildTemplate(measurement, org, source, cluster);
    // Points may choose their org; a collector writing for very many orgs must not grow this forever.
    if (measurement.templates.size >= MAX_TEMPLATES) measurement.templates.clear();
    measurement.templates.set(key, template);
  }
  measurement.lastTemplate = template;
  return template;
}

function buildTemplate(
  measurement: CompiledMeasurement,
  org: string,
  source: string,
  cluster: string | undefined,
): TagTemplate {
  const sdkValues: Record<(typeof RESERVED_TAGS)[number], string | undefined> = { org, source, cluster };
  const sdk = RESERVED_TAGS.filter((key) => sdkValues[key])
    .sort()
    .map((key) => ({
      key,
      text: `,${escapeKey("tag key", key)}=${escapeKey("tag value", sdkValues[key]!)}`,
    }));
  const declared = [...measurement.tagSlots.keys()];
  const withTag: string[] = [];
  const withoutTag: string[] = [];
  let next = 0;
  for (const key of declared) {
    let before = "";
    while (next < sdk.length && sdk[next]!.key < key) before += sdk[next++]!.text;
    withoutTag.push(before);
    withTag.push(`${before},${escapeKey("tag key", key)}=`);
  }
  let tail = "";
  while (next < sdk.length) tail += sdk[next++]!.text;
  return { org, source, cluster, withTag, withoutTag, tail };
}
