import type { z } from "zod";
import type { Collector } from "./collector.js";
import { silentLogger } from "./log.js";
import type { MeasurementDeclarations } from "./measurements.js";
import type { TypedPoint } from "./point/typed.js";
import { resolveCollectorConfig } from "./runtime/resolve-config.js";
import { outputLines, type Problem, RoundRecorder } from "./runtime/round.js";
import { nowNs } from "./time.js";

export interface CollectOnceOptions {
  /** Throw when a point breaks the declarations (default true: tests should see every problem). */
  strict?: boolean;
  /** Extra environment, e.g. `{ PM_ORG: "acme" }`. */
  env?: Record<string, string>;
}

/**
 * The points of the round, typed from the collector's declarations (`TypedPoint`): narrow one by its
 * measurement (`points.find((p) => p.measurement === "x_y")`) to read its declared tags and fields.
 */
export interface CollectOnceResult<M extends MeasurementDeclarations = MeasurementDeclarations>
  extends Array<TypedPoint<M>> {
  /** The encoded lines, as they would be published. */
  lines: string[];
  /** What the SDK would have dropped and counted (empty when strict). */
  problems: Problem[];
  /** What `ctx.stop()` asked for, if the collector called it. */
  stopped?: { exitCode: number; reason?: string };
  /** What the collector added with `ctx.countErrors()` (setup and the round). */
  errorsCounted: number;
}

/**
 * Runs one round of a collector in-process with no server, and returns its points (with the
 * `org` and `source` tags the SDK adds). `config` uses the collector's camelCase keys.
 */
export async function collectOnce<Schema extends z.ZodObject, S, M extends MeasurementDeclarations>(
  collector: Collector<Schema, S, M>,
  config: Partial<z.input<Schema>> & Record<string, unknown> = {},
  options: CollectOnceOptions = {},
): Promise<CollectOnceResult<M>> {
  const overrides = Object.fromEntries(
    Object.entries(config).map(([key, value]) => [key, { value, label: key }]),
  );
  const resolved = resolveCollectorConfig(collector, { env: { ...options.env }, overrides });
  const controller = new AbortController();
  let stopped: CollectOnceResult["stopped"];
  let errorsCounted = 0;
  const base = {
    config: resolved,
    log: silentLogger,
    signal: controller.signal,
    stop: (request: { exitCode?: number; reason?: string } = {}) => {
      stopped = { exitCode: request.exitCode ?? 0, reason: request.reason };
    },
    countErrors: (count: number) => {
      if (Number.isSafeInteger(count) && count > 0) errorsCounted += count;
    },
  };
  let state: S | undefined;
  const tags = { org: resolved.org, source: collector.name, cluster: resolved.cluster };
  const recorder = new RoundRecorder(nowNs(), collector.measurements, { tags, keepPoints: true });
  try {
    state = collector.setup ? await collector.setup(base) : (undefined as S);
    await collector.collect({
      ...base,
      point: (m) => recorder.point(m) as never,
      timestamp: recorder.timestamp,
      round: 1,
      state: state as S,
    });
  } finally {
    controller.abort();
    await collector.teardown?.({ ...base, state });
  }
  const output = recorder.finish();
  if ((options.strict ?? true) && output.problems.length > 0) {
    throw new Error(
      `collector ${collector.name} broke its declarations:\n  ${output.problems.map((p) => p.message).join("\n  ")}`,
    );
  }
  const result = Object.assign(output.points, {
    lines: outputLines(output),
    problems: output.problems,
    stopped,
    errorsCounted,
  }) as unknown as CollectOnceResult<M>;
  return result;
}
