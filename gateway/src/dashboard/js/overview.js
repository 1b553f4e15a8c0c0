// The overview of one source (collector), generated from its declared measurements: one chart per
// unit (a few fields each), one table for booleans and strings. A new collector gets a page without
// front-end work: `npm run docs` puts its declarations in the catalogue the gateway serves.
import { api } from "./api.js";
import { rateUnit } from "./units.js";

const NUMERIC = new Set(["float", "integer", "unsigned"]);
const FIELDS_PER_CHART = 4;
const DEFAULT_INTERVAL_S = 10;

export const isNumeric = (field) => NUMERIC.has(field.type);

export function durationSeconds(text) {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text ?? "");
  if (!match) return undefined;
  return Number(match[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2]];
}

/**
 * What a chart asks of `field`: `chosen` when given, else the rate per second of a counter (a running
 * total, which would only ever grow) and the mean of anything else.
 */
export function aggregateFor(field, chosen) {
  return chosen ?? (field.counter ? "rate" : "mean");
}

/** The unit of `aggregate` of `field`'s values: a rate is per second, a count is a count. */
export function chartUnit(field, aggregate) {
  if (aggregate === "rate") return rateUnit(field.unit);
  if (aggregate === "count") return "count";
  return field.unit;
}

/**
 * Numeric fields in charts: one per unit and aggregate, in the order the fields come; `chosen` is the
 * aggregate picked for every field, or undefined for each field's own (aggregateFor).
 */
export function chartGroups(fields, chosen) {
  const groups = new Map();
  for (const field of fields) {
    const aggregate = aggregateFor(field, chosen);
    const unit = chartUnit(field, aggregate);
    const key = JSON.stringify([unit ?? "", aggregate]);
    if (!groups.has(key)) groups.set(key, { unit, aggregate, fields: [] });
    groups.get(key).fields.push(field);
  }
  return groups;
}

function fieldDescription(field, aggregate) {
  const text = `${field.name}: ${field.description ?? "no description"}`;
  return aggregate === "rate" ? `${text} (a running total, charted as its rate per second)` : text;
}

/** The panels a measurement's declared fields suggest, limited to the fields in `present`. */
export function measurementPanels(measurement, present, extra = {}) {
  const fields = measurement.fields.filter((field) => present.has(field.name));
  const groupBy = measurement.tags.map((tag) => tag.name);
  const panels = [];
  for (const group of chartGroups(fields.filter(isNumeric)).values()) {
    for (let i = 0; i < group.fields.length; i += FIELDS_PER_CHART) {
      const chunk = group.fields.slice(i, i + FIELDS_PER_CHART);
      const names = chunk.map((field) => field.name).join(", ");
      panels.push({
        kind: "chart",
        title: group.aggregate === "rate" ? `${names} per second` : names,
        description: chunk.map((field) => fieldDescription(field, group.aggregate)).join("\n"),
        measurement: measurement.name,
        fields: chunk.map((field) => field.name),
        unit: group.unit,
        ...(group.aggregate === "rate" ? { aggregate: "rate" } : {}),
        groupBy,
        ...extra,
      });
    }
  }
  // Every declared boolean and string, with data yet or not: `error` appears only once a round fails.
  const texts = measurement.fields.filter((field) => !isNumeric(field));
  if (texts.length > 0) {
    panels.push({
      kind: "last",
      title: `Latest ${texts.map((field) => field.name).join(", ")}`,
      measurement: measurement.name,
      fields: texts,
      groupBy,
      ...extra,
    });
  }
  // Results tagged with the commit they ran at (perf's bench_result): their value across commits.
  const tagNames = new Set(groupBy);
  const value = fields.find((field) => field.name === "value" && isNumeric(field));
  if (tagNames.has("commit") && value) {
    panels.push({
      kind: "commits",
      title: `${value.name} by commit`,
      description: value.description,
      measurement: measurement.name,
      fields: [value.name],
      rowTags: ["suite", "name", "unit"].filter((tag) => tagNames.has(tag)),
      ...extra,
    });
  }
  return panels;
}

/** Sections of the overview of `source` for `org`: its measurements the org has data of. */
export async function overviewSections(source, catalogue, org, orgMeasurements) {
  const fallbackInterval = durationSeconds(source.interval) ?? DEFAULT_INTERVAL_S;
  const wanted = [
    ...source.measurements.map((measurement) => ({ measurement, extra: { fallbackInterval } })),
    // The SDK's own measurement, as this source wrote it (a collector's; the relay and gateway write none).
    ...(source.collector === false ? [] : catalogue.everySource).map((measurement) => ({
      measurement,
      extra: { fallbackInterval, where: { source: source.name } },
    })),
  ].filter(({ measurement }) => orgMeasurements.includes(measurement.name));
  const sections = await Promise.all(
    wanted.map(async ({ measurement, extra }) => {
      const path = `/api/v1/measurements/${encodeURIComponent(measurement.name)}/fields?org=${encodeURIComponent(org)}`;
      // A measurement whose data has just aged out answers 404: no section, not a broken page.
      const answer = await api(path).catch((error) => {
        if (error.status === 404) return undefined;
        throw error;
      });
      if (!answer) return undefined;
      const { fields } = answer;
      return {
        title: measurement.name,
        measurement: measurement.name,
        description: measurement.description,
        panels: measurementPanels(measurement, new Set(fields.map((field) => field.name)), extra),
      };
    }),
  );
  return sections.filter((section) => section?.panels.length > 0);
}

/** Sources with at least one measurement the org has data of. */
export function sourcesWithData(catalogue, orgMeasurements) {
  return catalogue.sources.filter((source) =>
    source.measurements.some((measurement) => orgMeasurements.includes(measurement.name)),
  );
}
