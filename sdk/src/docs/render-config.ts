import { z } from "zod";
import type { AnyCollector } from "../collector.js";
import { formatDuration } from "../config/duration.js";
import { envName } from "../config/load.js";

export const CONFIG_START = "<!-- config:start -->";
export const CONFIG_END = "<!-- config:end -->";

/**
 * What a setting holds, for the docs, where its zod type says too little: set with
 * `schema.meta({ settingType })`. `duration()` marks its schema `duration` (a default in milliseconds
 * is shown as `5m`); a schema marked `size` has its default in bytes shown as `64MiB`.
 */
export type SettingType = "duration" | "size" | (string & {});

export interface SettingDoc {
  key: string;
  variable: string;
  /** The command-line option that sets it, if any. */
  flag: string | undefined;
  type: string;
  /** As the docs show it: `required`, `none` or the default. */
  default: string;
  required: boolean;
  meaning: string;
  /** The default as it goes into a config file; undefined when there is none. */
  sample: string | undefined;
}

interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  defaultValue?: unknown;
  entries?: Record<string, string>;
  element?: z.ZodType;
  options?: z.ZodType[];
  checks?: { _zod: { def: { check?: string; format?: string } } }[];
}
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: ZodDef } })._zod.def;

/** A trailing `(default ...)` or `(required)` in a description: the author's words for the default. */
const DEFAULT_NOTE = /\s*\((default:? [^()]*(?:\([^()]*\)[^()]*)*|required)\)\s*$/;

export function describeSettings(collector: AnyCollector): SettingDoc[] {
  const shape = collector.configSchema.shape as Record<string, z.ZodType>;
  const flags = new Map<string, string>();
  for (const name of Object.keys(collector.cli?.options ?? {})) {
    flags.set(
      name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
      `--${name}`,
    );
  }
  if (collector.cli?.rest) flags.set(collector.cli.rest, "-- COMMAND ARGS...");
  return Object.entries(shape).map(([key, schema]) => describeSetting(key, schema, flags.get(key)));
}

function describeSetting(key: string, schema: z.ZodType, flag: string | undefined): SettingDoc {
  let optional = false;
  let defaultValue: unknown;
  let hasDefault = false;
  let settingType: SettingType | undefined;
  let current = schema;
  for (;;) {
    settingType ??= z.globalRegistry.get(current)?.settingType as SettingType | undefined;
    const def = defOf(current);
    if (def.type === "optional" || def.type === "nullable") optional = true;
    if (def.type === "default" || def.type === "prefault") {
      hasDefault = true;
      defaultValue = def.defaultValue;
    }
    const next = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
    if (!next) break;
    current = next;
  }
  const description = schema.description ?? "";
  const note = DEFAULT_NOTE.exec(description)?.[1];
  const meaning = description.replace(DEFAULT_NOTE, "");
  const required = !optional && !hasDefault;
  // A default of objects (a list of profiles) reads better in the author's words than as JSON.
  const structured =
    typeof defaultValue === "object" &&
    defaultValue !== null &&
    (!Array.isArray(defaultValue) || defaultValue.some((item) => typeof item === "object"));
  const sample = hasDefault && !structured ? formatValue(defaultValue, settingType) : undefined;
  let shown: string;
  if (required) shown = "required";
  else if (note?.startsWith("default")) shown = note.replace(/^default:? /, "");
  else if (sample !== undefined) shown = `\`${sample}\``;
  else shown = "none";
  return {
    key,
    variable: envName(key),
    flag,
    type: settingType ?? typeName(current),
    default: shown,
    required,
    meaning,
    sample,
  };
}

function typeName(schema: z.ZodType): string {
  const def = defOf(schema);
  switch (def.type) {
    case "number": {
      const integer = def.checks?.some((check) => /int/.test(check._zod.def.format ?? ""));
      return integer ? "integer" : "number";
    }
    case "enum":
      return Object.values(def.entries ?? {}).join(" | ");
    case "array":
      return def.element ? `list of ${typeName(def.element)}` : "list";
    case "object":
    case "record":
      return "object";
    case "union":
      return [...new Set((def.options ?? []).map(typeName))].join(" or ");
    case "pipe":
      return def.in ? typeName(def.in) : "string";
    case "transform":
    case "custom":
      return "string";
    default:
      return def.type;
  }
}

const UNITS: [number, string][] = [
  [1024 ** 4, "TiB"],
  [1024 ** 3, "GiB"],
  [1024 ** 2, "MiB"],
  [1024, "KiB"],
];

function formatValue(value: unknown, settingType: SettingType | undefined): string {
  if (settingType === "duration" && typeof value === "number") return formatDuration(value);
  if (settingType === "size" && typeof value === "number") {
    const unit = UNITS.find(([bytes]) => value > 0 && value % bytes === 0);
    return unit ? `${value / unit[0]}${unit[1]}` : String(value);
  }
  if (typeof value === "string") return /^[\w./:@-]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The option table and a sample `PM_CONFIG` file of a collector's own settings, as Markdown. */
export function renderConfig(collector: AnyCollector): string {
  const settings = describeSettings(collector);
  if (settings.length === 0) {
    return "This collector has no settings of its own; it takes the common `PM_*` settings of every collector (see the SDK's README).\n";
  }
  const rows = settings.map((s) => [
    `\`${s.variable}\``,
    s.flag ? `\`${s.flag}\`` : "",
    cell(s.type),
    cell(s.default),
    cell(s.meaning),
  ]);
  const table = [
    "| variable | flag | type | default | meaning |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ];
  const sample = settings.flatMap((s) => [
    `# ${s.meaning}${s.required ? " (required)" : ""}`,
    s.sample !== undefined
      ? `${s.key}: ${s.sample}`
      : `# ${s.key}:${s.default === "none" || s.required ? "" : ` (default ${s.default})`}`,
  ]);
  return [
    "Generated from the collector's config schema by `npm run docs`. Each setting is read from its",
    "variable, or from the YAML or JSON file named by `PM_CONFIG` under its camelCase key; the",
    "environment wins over the file and a flag over both. The common settings of every collector",
    "(`PM_NATS_URL`, `PM_ORG`, `PM_SINK`, `PM_INTERVAL`, ...) are listed in the SDK's README.",
    "",
    ...table,
    "",
    "Sample `PM_CONFIG` file: the settings with a plain default at it, the others commented out:",
    "",
    "```yaml",
    ...sample,
    "```",
    "",
  ].join("\n");
}

/** Replaces the text between the config markers; undefined when the markers are missing. */
export function replaceConfigSection(readme: string, section: string): string | undefined {
  const start = readme.indexOf(CONFIG_START);
  const end = readme.indexOf(CONFIG_END);
  if (start === -1 || end === -1 || end < start) return undefined;
  return `${readme.slice(0, start + CONFIG_START.length)}\n\n${section}\n${readme.slice(end)}`;
}
