import { parseArgs } from "node:util";
import type { z } from "zod";
import type { AnyCollector } from "../collector.js";
import { commonConfigSchema } from "../config/common.js";
import { envName } from "../config/load.js";
import { defaultHttpPort } from "./ports.js";

export class UsageError extends Error {
  override name = "UsageError";
}

export interface ParsedCli {
  help: boolean;
  version: boolean;
  once: boolean;
  /** Config values given on the command line, keyed by config key. */
  overrides: Record<string, { value: unknown; label: string }>;
}

const camel = (kebab: string) => kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function parseCli(argv: string[], collector: AnyCollector): ParsedCli {
  const split = argv.indexOf("--");
  const own = split === -1 ? argv : argv.slice(0, split);
  const rest = split === -1 ? [] : argv.slice(split + 1);
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
    version: { type: "boolean" },
    once: { type: "boolean" },
  };
  for (const [name, option] of Object.entries(collector.cli?.options ?? {})) {
    options[name] = { type: option.type, ...(option.short ? { short: option.short } : {}) };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: own, options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify.*$/s, ""));
  }
  const overrides: ParsedCli["overrides"] = {};
  for (const name of Object.keys(collector.cli?.options ?? {})) {
    if (values[name] !== undefined) overrides[camel(name)] = { value: values[name], label: `--${name}` };
  }
  if (rest.length > 0) {
    if (!collector.cli?.rest) throw new UsageError(`unexpected arguments after --: ${rest.join(" ")}`);
    overrides[collector.cli.rest] = { value: rest, label: "the command after --" };
  }
  return {
    help: values.help === true,
    version: values.version === true,
    once: values.once === true,
    overrides,
  };
}

function describeKeys(schema: z.ZodObject, own: Record<string, string> = {}): string[] {
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, field]) => {
    const text = own[key] ?? field.description;
    return `  ${envName(key).padEnd(26)}${text ? `  ${text}` : ""}`;
  });
}

export function usage(collector: AnyCollector): string {
  const bin = `pm-collector-${collector.name}`;
  const rest = collector.cli?.rest ? " [-- COMMAND ARGS...]" : "";
  const options = [
    "  --once                    run one round, flush, exit 0 (1 if the round failed)",
    "  -h, --help                show this help",
    "  --version                 show the version",
    ...Object.entries(collector.cli?.options ?? {}).map(([name, option]) => {
      const flag = `${option.short ? `-${option.short}, ` : ""}--${name}${option.type === "string" ? " <value>" : ""}`;
      const fills = (collector.configSchema.shape as Record<string, z.ZodType>)[camel(name)];
      return `  ${flag.padEnd(26)}${option.description ?? fills?.description ?? ""}`;
    }),
  ];
  const ownKeys = describeKeys(collector.configSchema);
  return [
    `${bin}: ${collector.description ?? `the ${collector.name} collector`}`,
    "",
    `Usage: ${bin} [options]${rest}`,
    "",
    "Options:",
    ...options,
    ...(collector.cli?.usage ? ["", collector.cli.usage] : []),
    "",
    `Settings (environment variables, or the same camelCase keys in the YAML/JSON file named by PM_CONFIG):`,
    ...(ownKeys.length > 0 ? ["", `${collector.name}:`, ...ownKeys] : []),
    "",
    "common:",
    ...describeKeys(commonConfigSchema, {
      httpPort: `port of /healthz and /readyz; 0 picks a free one (default ${defaultHttpPort(collector)})`,
    }),
    "",
    `Default interval ${collector.interval}. Writes: ${Object.keys(collector.measurements).join(", ")}, pm_collector.`,
    "",
  ].join("\n");
}
