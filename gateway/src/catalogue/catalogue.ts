import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { UNITS } from "@platform-metrics/sdk";
import { z } from "zod";
import type { Aggregate } from "../query/schema.js";

// The collectors' declarations, as `npm run docs` writes them: the gateway learns units and
// descriptions from this file and never loads collector code. A field it does not list has no unit.

const text = z.string().max(2000);
const fieldSchema = z.object({
  name: text,
  type: text,
  unit: z.enum(UNITS).optional(),
  description: text.optional(),
  /** A total since its writer started: chart its rate. */
  counter: z.boolean().optional(),
});
const measurementSchema = z.object({
  name: text,
  description: text.optional(),
  tags: z.array(z.object({ name: text, description: text.optional() })),
  fields: z.array(fieldSchema),
});
const catalogueSchema = z.object({
  sources: z.array(
    z.object({
      name: text,
      description: text.optional(),
      interval: text.optional(),
      /** false for the relay and the gateway: they write no pm_collector. */
      collector: z.boolean().optional(),
      measurements: z.array(measurementSchema),
    }),
  ),
  everySource: z.array(measurementSchema),
});

export type CatalogueData = z.output<typeof catalogueSchema>;
export type FieldInfo = z.output<typeof fieldSchema>;
/**
 * The unit of a counter's rate per second, by the counter's unit (as the Grafana panels chart them):
 * seconds per second are a share, 1 being one core or worker busy all the time. A rate of a field in
 * another unit has none in the answer.
 */
export const RATE_UNITS = { count: "count/s", bytes: "bytes/s", s: "s/s" } as const;
export type RateUnit = (typeof RATE_UNITS)[keyof typeof RATE_UNITS];

/** What a query's `meta.fields` says of one field: the unit of the values answered. */
export interface FieldMeta {
  unit?: FieldInfo["unit"] | RateUnit;
  description?: string;
}

function answeredUnit(unit: FieldInfo["unit"], aggregate?: Aggregate): FieldMeta["unit"] {
  if (aggregate === "count") return "count";
  if (aggregate === "rate")
    return unit && Object.hasOwn(RATE_UNITS, unit) ? RATE_UNITS[unit as keyof typeof RATE_UNITS] : undefined;
  return unit;
}

// Beside this module in dist/ (the build copies it), or in src/ when run from the sources.
const CANDIDATES = ["./measurements.json", "../../src/catalogue/measurements.json"].map((path) =>
  fileURLToPath(new URL(path, import.meta.url)),
);

export class Catalogue {
  private readonly fields = new Map<string, Map<string, FieldInfo>>();

  constructor(readonly data: CatalogueData) {
    const measurements = [...data.sources.flatMap((source) => source.measurements), ...data.everySource];
    for (const measurement of measurements) {
      const known = this.fields.get(measurement.name) ?? new Map<string, FieldInfo>();
      for (const field of measurement.fields) if (!known.has(field.name)) known.set(field.name, field);
      this.fields.set(measurement.name, known);
    }
  }

  /** Reads and checks the catalogue file; a bad file is an error naming it, at start. */
  static load(path = CANDIDATES.find((candidate) => existsSync(candidate))): Catalogue {
    if (!path) throw new Error(`measurement catalogue not found in ${CANDIDATES.join(" or ")}`);
    const parsed = catalogueSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`measurement catalogue ${path}: ${issue.path.join(".")}: ${issue.message}`);
    }
    return new Catalogue(parsed.data);
  }

  field(measurement: string, field: string): FieldInfo | undefined {
    return this.fields.get(measurement)?.get(field);
  }

  /**
   * Unit and description of each queried field; `count` counts points, whatever the field's unit, and
   * `rate` is the field's unit per second.
   */
  fieldMeta(measurement: string, fields: string[], aggregate?: Aggregate): Record<string, FieldMeta> {
    const meta: Record<string, FieldMeta> = {};
    for (const name of fields) {
      const known = this.field(measurement, name);
      const unit = answeredUnit(known?.unit, aggregate);
      meta[name] = {
        ...(unit ? { unit } : {}),
        ...(known?.description ? { description: known.description } : {}),
      };
    }
    return meta;
  }
}
