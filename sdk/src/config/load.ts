import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { z } from "zod";

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

export function envName(key: string): string {
  return `PM_${key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;
}

// zod 4 keeps a schema's kind in `_zod.def`; wrappers (optional, default, pipe, ...) are unwrapped to
// find what an environment string must become before validation.
interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
}
function baseType(schema: z.ZodType): string {
  let def = (schema as unknown as { _zod: { def: ZodDef } })._zod.def;
  for (;;) {
    const next = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
    if (!next) return def.type;
    def = (next as unknown as { _zod: { def: ZodDef } })._zod.def;
  }
}

function fromEnv(raw: string, schema: z.ZodType): unknown {
  switch (baseType(schema)) {
    case "number":
      return raw.trim() !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case "boolean":
      if (/^(true|1|yes|on)$/i.test(raw.trim())) return true;
      if (/^(false|0|no|off)$/i.test(raw.trim())) return false;
      return raw;
    case "array":
      return raw
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);
    case "object":
    case "record":
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError([`PM_CONFIG: cannot read ${path}: ${(error as Error).message}`]);
  }
  let parsed: unknown;
  try {
    // Loaded only when a file is named: the parser costs a collector several MB it rarely needs.
    const { parse } = createRequire(import.meta.url)("yaml") as typeof import("yaml");
    parsed = parse(text);
  } catch (error) {
    throw new ConfigError([`PM_CONFIG: ${path} is not valid YAML or JSON: ${(error as Error).message}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError([
      `PM_CONFIG: ${path} must hold a mapping of settings, got ${Array.isArray(parsed) ? "a list" : typeof parsed}`,
    ]);
  }
  return parsed as Record<string, unknown>;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Values from the command line; they win over the environment. Keyed by schema key. */
  overrides?: Record<string, { value: unknown; label: string }>;
}

/**
 * Reads `schema` from the `PM_CONFIG` file, then `PM_*` variables, then command-line overrides
 * (later wins). Every problem names where the value came from and what was expected.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, options: LoadConfigOptions = {}): z.output<S> {
  const env = options.env ?? process.env;
  const shape = schema.shape as Record<string, z.ZodType>;
  const input: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  const problems: string[] = [];

  const file = env.PM_CONFIG;
  if (file) {
    for (const [key, value] of Object.entries(readConfigFile(file))) {
      if (!(key in shape)) {
        problems.push(
          `PM_CONFIG (${file}): unknown setting ${JSON.stringify(key)}; known: ${Object.keys(shape).join(", ")}`,
        );
        continue;
      }
      input[key] = value;
      labels[key] = `${key} in ${file}`;
    }
  }
  for (const key of Object.keys(shape)) {
    const raw = env[envName(key)];
    if (raw === undefined || raw === "") continue;
    input[key] = fromEnv(raw, shape[key]!);
    labels[key] = envName(key);
  }
  for (const [key, { value, label }] of Object.entries(options.overrides ?? {})) {
    input[key] = value;
    labels[key] = label;
  }

  const result = schema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      // A check of several settings (a refinement of the whole schema) names them in its message.
      if (issue.path.length === 0) {
        problems.push(issue.message);
        continue;
      }
      const key = String(issue.path[0]);
      const label = labels[key] ?? envName(key);
      const where = issue.path.length > 1 ? `${label}[${issue.path.slice(1).join(".")}]` : label;
      // A missing setting: say so and what it is, rather than zod's "expected string, received undefined".
      if (issue.code === "invalid_type" && issue.path.length === 1 && input[key] === undefined) {
        const what = shape[key]?.description?.replace(/\s*\(required\)$/, "") ?? "it has no default";
        problems.push(`${label} is required: ${what}`);
        continue;
      }
      const secret = /password|token|secret|key/i.test(key);
      const got =
        key in input && issue.code !== "custom" && !secret ? ` (got ${JSON.stringify(input[key])})` : "";
      problems.push(`${where}: ${issue.message}${got}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return (result as { data: z.output<S> }).data;
}
