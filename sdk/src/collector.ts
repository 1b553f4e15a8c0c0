import type { Logger } from "pino";
import { z } from "zod";
import type { CommonConfig } from "./config/common.js";
import { parseDuration } from "./config/duration.js";
import { checkDeclarations, type MeasurementDeclarations } from "./measurements.js";
import type { PointBuilder } from "./point/point-builder.js";
import type { MeasurementName } from "./point/typed.js";

/**
 * The settings a collector runs with: the common ones, its own (its schema's output), and the
 * interval, round timeout and jitter resolved to milliseconds.
 */
export type ResolvedConfig<C> = C &
  CommonConfig & {
    interval: number;
    roundTimeout: number;
    jitter: number;
  };

/** A command-line option of a collector; its value lands in the config under the same (camelCase) key. */
export interface CliOption {
  type: "string" | "boolean";
  short?: string;
  /** For `--help`; defaults to the description of the config key the option fills. */
  description?: string;
}

export interface CollectorCli {
  /** `--wait-timeout` fills config key `waitTimeout`. */
  options?: Record<string, CliOption>;
  /** Config key that receives the words after `--` (e.g. a command to launch), as a string array. */
  rest?: string;
  /** Extra lines for `--help`, e.g. examples. */
  usage?: string;
}

/** What every hook gets. */
export interface BaseContext<C> {
  config: ResolvedConfig<C>;
  log: Logger;
  /** Aborted when the service shuts down (and, in `collect`, when the round times out). */
  signal: AbortSignal;
  /**
   * Ends the collector after the current round: points are flushed and the process exits with
   * `exitCode` (default 0). For collectors that follow something finite (a process, a Job).
   */
  stop(options?: { exitCode?: number; reason?: string }): void;
  /**
   * Adds to `pm_collector`'s `errors`: failures the collector met and went on past (a request the
   * API refused, a target that did not answer), so they can be alerted on beside failed rounds.
   */
  countErrors(count: number): void;
}

/** `ctx.point`: starts a point of a declared measurement, typed by its declaration. */
export type PointFunction<M extends MeasurementDeclarations = MeasurementDeclarations> = <
  N extends MeasurementName<M>,
>(
  measurement: N,
) => PointBuilder<M[N]>;

/**
 * The measurements of a context written without them (`CollectContext<Config, State>`): any name,
 * tag and field compile, as before typed points, and such a `collect` still fits any collector.
 */
// biome-ignore lint/suspicious/noExplicitAny: the untyped default; the round checks points at run time.
export type UntypedMeasurements = any;

export interface CollectContext<C, S, M extends MeasurementDeclarations = UntypedMeasurements>
  extends BaseContext<C> {
  /**
   * Starts a point of a declared measurement; org, source and cluster tags are added for you. With
   * the collector's measurements known to the compiler, an undeclared measurement, tag or field, or a
   * field written with the wrong type, does not compile.
   */
  point<N extends MeasurementName<M>>(measurement: N): PointBuilder<M[N]>;
  /** The round's start, nanoseconds since the epoch: the default timestamp of its points. */
  timestamp: bigint;
  /** 1 for the first round. */
  round: number;
  /** What `setup` returned. */
  state: S;
}

export interface CollectorDefinition<
  Schema extends z.ZodObject = z.ZodObject,
  S = undefined,
  M extends MeasurementDeclarations = MeasurementDeclarations,
> {
  /** Source name: the `source` tag and the last subject token (`metrics.<org>.<name>`). */
  name: string;
  description?: string;
  /**
   * The collector's own settings; each key is read from `PM_<KEY>` like the common ones. Its
   * `refine`/`superRefine` checks run too: a bad combination stops the process at start (exit 2).
   */
  config?: Schema;
  /**
   * Checks the resolved settings (common ones included, e.g. the interval) at start, after the
   * schema: return the problems, each naming its variables (`PM_X`), or nothing when fine.
   */
  validate?(config: ResolvedConfig<z.output<Schema>>): string | readonly string[] | undefined;
  /** Required. Default collection interval, e.g. `30s`; `PM_INTERVAL` overrides it. */
  interval: string;
  /** Default per-round timeout; defaults to the interval. */
  roundTimeout?: string;
  /** Default health port for this collector. */
  httpPort?: number;
  /** What the collector writes; `ctx.point(...)` is typed from it. */
  measurements: M;
  cli?: CollectorCli;
  /** Runs once before the first round; what it returns is `ctx.state`. Throwing stops start-up. */
  setup?(ctx: BaseContext<z.output<Schema>>): S | Promise<S>;
  // NoInfer: the measurements type the context, not a context typed by hand (`CollectContext<C, S>`).
  collect(ctx: CollectContext<z.output<Schema>, S, NoInfer<M>>): void | Promise<void>;
  /**
   * Called on SIGTERM, SIGINT and SIGHUP before the SDK acts. Return true when the collector takes
   * care of the signal itself (a launched command gets it, and the collector calls `ctx.stop` with the
   * command's exit code later); otherwise the SDK shuts down (SIGHUP then means SIGTERM).
   */
  onSignal?(
    signal: NodeJS.Signals,
    ctx: BaseContext<z.output<Schema>> & { state: S | undefined },
  ): boolean | void;
  /** Runs once at shutdown, after the last round (also after a failed setup). */
  teardown?(ctx: BaseContext<z.output<Schema>> & { state: S | undefined }): void | Promise<void>;
}

/**
 * A defined collector (frozen). Its hooks stay methods, so a collector with typed measurements is
 * also a `Collector` of plain ones, for code that runs any collector.
 */
export interface Collector<
  Schema extends z.ZodObject = z.ZodObject,
  S = unknown,
  M extends MeasurementDeclarations = MeasurementDeclarations,
> extends CollectorDefinition<Schema, S, M> {
  readonly configSchema: Schema;
}

const collectorName = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Declares a collector. Problems in the declaration itself throw here, at import time. The
 * measurements written in place are typed as written (no `as const` needed); declared in another
 * file, wrap them in `defineMeasurements`.
 */
export function defineCollector<
  Schema extends z.ZodObject = z.ZodObject<Record<string, never>>,
  S = undefined,
  const M extends MeasurementDeclarations = MeasurementDeclarations,
>(definition: CollectorDefinition<Schema, S, M>): Collector<Schema, S, M> {
  const problems: string[] = [];
  if (!collectorName.test(definition.name)) {
    problems.push(
      `name ${JSON.stringify(definition.name)}: expected lowercase letters, digits and -, starting with a letter`,
    );
  }
  if (parseDuration(definition.interval) === undefined) {
    problems.push(`interval ${JSON.stringify(definition.interval)}: expected a duration such as 10s`);
  }
  if (definition.roundTimeout !== undefined && parseDuration(definition.roundTimeout) === undefined) {
    problems.push(`roundTimeout ${JSON.stringify(definition.roundTimeout)}: expected a duration such as 10s`);
  }
  problems.push(...checkDeclarations(definition.measurements));
  if (problems.length > 0) throw new Error(`collector ${definition.name}: ${problems.join("; ")}`);
  const configSchema = (definition.config ?? z.object({})) as Schema;
  return Object.freeze({ ...definition, configSchema });
}

/**
 * A collector whatever it declares, for code that runs any collector (the runtime, the docs). A
 * context typed for one collector's measurements is not one for another's, hence the `any`.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above; the runtime checks points against the declarations.
export type AnyCollector = Collector<z.ZodObject, any, any>;
