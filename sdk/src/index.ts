// Public API of @platform-metrics/sdk for a collector's author: define, declare, build points, run,
// test. Other audiences have their own entry points: ./line-protocol (the strict parser and the
// encoder), ./service (the relay's and the gateway's kit), ./contracts, ./influx, ./docs.
export { z } from "zod";
export {
  type AnyCollector,
  type BaseContext,
  type CliOption,
  type CollectContext,
  type Collector,
  type CollectorCli,
  type CollectorDefinition,
  defineCollector,
  type PointFunction,
  type ResolvedConfig,
} from "./collector.js";
export { type CommonConfig, subjectToken } from "./config/common.js";
// parseDuration: for durations a collector reads at run time (an annotation, an API field).
export { duration, parseDuration } from "./config/duration.js";
export { ConfigError } from "./config/load.js";
export { RESERVED_TAGS } from "./contracts/names.js";
export type { FieldType, FieldValue, Point } from "./line-protocol/types.js";
// A logger for a collector's own helpers and tests (ctx.log is one).
export { createLogger, type Logger, silentLogger } from "./log.js";
export {
  defineMeasurements,
  type FieldDeclaration,
  type MeasurementDeclaration,
  type MeasurementDeclarations,
  UNITS,
  type Unit,
} from "./measurements.js";
export type { PointBuilder } from "./point/point-builder.js";
export type { FieldKey, MeasurementName, TagKey, TypedFieldValue, TypedPoint } from "./point/typed.js";
export { DEFAULT_HTTP_PORTS } from "./runtime/ports.js";
export { resolveCollectorConfig } from "./runtime/resolve-config.js";
export type { Problem, ProblemKind } from "./runtime/round.js";
export { type RunOptions, runCollector } from "./runtime/run-collector.js";
export { type CollectOnceOptions, type CollectOnceResult, collectOnce } from "./testkit.js";
export { dateToNs, nowNs, nsToDate } from "./time.js";
