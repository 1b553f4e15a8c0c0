import type { z } from "zod";
import type { Collector, ResolvedConfig } from "../collector.js";
import { commonConfigSchema, portNumber } from "../config/common.js";
import { parseDuration } from "../config/duration.js";
import { ConfigError, type LoadConfigOptions, loadConfig } from "../config/load.js";
import { defaultHttpPort } from "./ports.js";

/** The settings of a collector with this config schema, as its hooks get them. */
export type CollectorConfig<Schema extends z.ZodObject> = ResolvedConfig<z.output<Schema>>;

/**
 * Common settings plus the collector's own, with the collector's defaults for interval and port.
 * The collector's schema is extended (not rebuilt from its shape), so its refinements run; then its
 * `validate` hook sees the whole resolved config. Any problem throws a ConfigError.
 */
export function resolveCollectorConfig<Schema extends z.ZodObject>(
  collector: Pick<
    Collector<Schema>,
    "name" | "configSchema" | "validate" | "interval" | "roundTimeout" | "httpPort"
  >,
  options: LoadConfigOptions = {},
): CollectorConfig<Schema> {
  const own = collector.configSchema.shape as Record<string, z.ZodType>;
  const common: Record<string, z.ZodType> = {
    ...commonConfigSchema.shape,
    httpPort: portNumber
      .default(defaultHttpPort(collector))
      .describe(commonConfigSchema.shape.httpPort.description!),
  };
  // A collector's own key wins over a common one of the same name, as it always has.
  for (const key of Object.keys(own)) delete common[key];
  const schema = (collector.configSchema as z.ZodObject).safeExtend(common);
  const config = loadConfig(schema, options) as Record<string, unknown>;
  const interval = (config.interval as number | undefined) ?? parseDuration(collector.interval)!;
  const defaultTimeout = collector.roundTimeout ? parseDuration(collector.roundTimeout)! : interval;
  const resolved = {
    ...config,
    interval,
    roundTimeout: (config.roundTimeout as number | undefined) ?? defaultTimeout,
    // Jitter spreads rounds of many pods; 10% of the interval unless set.
    jitter: (config.jitter as number | undefined) ?? Math.floor(interval * 0.1),
  } as CollectorConfig<Schema>;
  const problems = collector.validate?.(resolved);
  if (typeof problems === "string") throw new ConfigError([problems]);
  if (problems !== undefined && problems.length > 0) throw new ConfigError([...problems]);
  return resolved;
}
