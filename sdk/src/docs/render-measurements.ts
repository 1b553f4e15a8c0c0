import { fieldDeclaration, type MeasurementDeclarations, tagDescription, tagNames } from "../measurements.js";

const SDK_TAGS: [string, string][] = [
  ["org", "tenant; the org of the NATS subject (`PM_ORG` by default)"],
  ["source", "the collector's name"],
  ["cluster", "`PM_CLUSTER`, when set"],
];

const cell = (text: string | undefined) => (text ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ");

/**
 * The measurement tables of a collector's README and docs/metrics.md, generated from its declarations
 * so that the docs cannot drift from the code.
 */
export function renderMeasurements(declarations: MeasurementDeclarations, headingLevel = 3): string {
  const hashes = "#".repeat(headingLevel);
  const sections: string[] = [];
  for (const [name, declaration] of Object.entries(declarations)) {
    const lines = [`${hashes} \`${name}\``, ""];
    if (declaration.description) lines.push(declaration.description, "");
    lines.push("| kind | name | type | unit | description |", "| --- | --- | --- | --- | --- |");
    for (const [tag, description] of SDK_TAGS)
      lines.push(`| tag | \`${tag}\` | string | | ${cell(description)} |`);
    for (const tag of tagNames(declaration)) {
      lines.push(`| tag | \`${tag}\` | string | | ${cell(tagDescription(declaration, tag))} |`);
    }
    if (declaration.open?.tags !== undefined)
      lines.push(`| tag | *any* | string | | ${cell(declaration.open.tags)} |`);
    for (const field of Object.keys(declaration.fields)) {
      const { type, unit, description, counter } = fieldDeclaration(declaration, field)!;
      const kind = counter ? "counter" : "field";
      lines.push(`| ${kind} | \`${field}\` | ${type} | ${cell(unit)} | ${cell(description)} |`);
    }
    if (declaration.open?.fields !== undefined)
      lines.push(`| field | *any* | any | | ${cell(declaration.open.fields)} |`);
    sections.push(lines.join("\n"));
  }
  return sections.join("\n\n");
}

export const METRICS_START = "<!-- metrics:start -->";
export const METRICS_END = "<!-- metrics:end -->";

/** Replaces the text between the metrics markers; undefined when the markers are missing. */
export function replaceMetricsSection(readme: string, table: string): string | undefined {
  const start = readme.indexOf(METRICS_START);
  const end = readme.indexOf(METRICS_END);
  if (start === -1 || end === -1 || end < start) return undefined;
  const note = "<!-- generated from the collector's declared measurements by `npm run docs`; do not edit -->";
  return `${readme.slice(0, start + METRICS_START.length)}\n${note}\n\n${table}\n\n${readme.slice(end)}`;
}
