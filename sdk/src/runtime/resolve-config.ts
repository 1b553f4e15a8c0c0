import type { z } from "zod";
import type { Collector } from "../collector.js";
import { type CommonConfig, commonConfigSchema, portNumber } from "../config/common.js";
import { parseDuration } from "../config/duration.js";
import { type LoadConfigOptions, loadConfig } from "../config/load.js";
import { defaultHttpPort } from "./ports.js";

export type ResolvedConfig<Schema extends z.ZodObject> = z.output<Schema> &
  CommonConfig & { interval: number; roundTimeout: number; jitter: number };

/** Common settings plus the collector's own, with the collector's defaults for interval and port. */
export function resolveCollectorConfig<Schema extends z.ZodObject>(
  collector: Collector<Schema, unknown>,
  options: LoadConfigOptions = {},
): ResolvedConfig<Schema> {
  const schema = commonConfigSchema.extend({
    ...collector.configSchema.shape,
    httpPort: portNumber
      .default(defaultHttpPort(collector))
      .describe(commonConfigSchema.shape.httpPort.description!),
  });
  const config = loadConfig(schema, options) as Record<string, unknown>;
  const interval = (config.interval as number | undefined) ?? parseDuration(collector.interval)!;
  const defaultTimeout = collector.roundTimeout ? parseDuration(collector.roundTimeout)! : interval;
  return {
    ...config,
    interval,
    roundTimeout: (config.roundTimeout as number | undefined) ?? defaultTimeout,
    // Jitter spreads rounds of many pods; 10% of the interval unless set.
    jitter: (config.jitter as number | undefined) ?? Math.floor(interval * 0.1),
  } as ResolvedConfig<Schema>;
}
