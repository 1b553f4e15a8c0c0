import {
  fieldDeclaration,
  type MeasurementDeclarations,
  tagDescription,
  tagNames,
  type Unit,
} from "../measurements.js";

export interface CatalogueField {
  name: string;
  type: string;
  unit?: Unit;
  description?: string;
  /** A total since the writer started (FieldDeclaration.counter): chart its rate. */
  counter?: true;
}

export interface CatalogueMeasurement {
  name: string;
  description?: string;
  tags: { name: string; description?: string }[];
  fields: CatalogueField[];
}

export interface CatalogueSource {
  /** The collector's name: the `source` tag of its points. */
  name: string;
  description?: string;
  /** Default collection interval (`PM_INTERVAL` may differ). */
  interval?: string;
  /** false for a service that is no collector (relay, gateway): it writes no pm_collector. */
  collector?: boolean;
  measurements: CatalogueMeasurement[];
}

/**
 * The declarations as plain JSON, in declaration order: what `npm run docs` writes for the gateway,
 * which serves units and descriptions and builds the dashboard from them without loading collectors.
 */
export function catalogueMeasurements(declarations: MeasurementDeclarations): CatalogueMeasurement[] {
  return Object.entries(declarations).map(([name, declaration]) => ({
    name,
    ...(declaration.description ? { description: declaration.description } : {}),
    tags: tagNames(declaration).map((tag) => {
      const description = tagDescription(declaration, tag);
      return description ? { name: tag, description } : { name: tag };
    }),
    fields: Object.keys(declaration.fields).map((field) => {
      const { type, unit, description, counter } = fieldDeclaration(declaration, field)!;
      return {
        name: field,
        type,
        ...(unit ? { unit } : {}),
        ...(description ? { description } : {}),
        ...(counter ? { counter: true as const } : {}),
      };
    }),
  }));
}
