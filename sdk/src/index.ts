// Public API of @platform-metrics/sdk. Everything else under src/ is internal.
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
export { type CommonConfig, commonConfigSchema, portNumber, subjectToken } from "./config/common.js";
export { duration, formatDuration, parseDuration } from "./config/duration.js";
export { ConfigError, envName, type LoadConfigOptions, loadConfig } from "./config/load.js";
export {
  type CatalogueField,
  type CatalogueMeasurement,
  type CatalogueSource,
  catalogueMeasurements,
} from "./docs/catalogue.js";
export {
  CONFIG_END,
  CONFIG_START,
  describeSettings,
  renderConfig,
  replaceConfigSection,
  type SettingDoc,
  type SettingType,
} from "./docs/render-config.js";
export {
  METRICS_END,
  METRICS_START,
  renderMeasurements,
  replaceMetricsSection,
} from "./docs/render-measurements.js";
export { encodeFieldValue, encodePoint } from "./line-protocol/encode.js";
export { escapeKey, escapeMeasurement, escapeStringField } from "./line-protocol/escape.js";
export { DEFAULT_MAX_LINE_BYTES, MAX_TIMESTAMP, MIN_TIMESTAMP } from "./line-protocol/limits.js";
export { type ParsedMessage, parseMessage, type RejectedLine } from "./line-protocol/message.js";
export { type ParsedLine, type ParseOptions, parseLine } from "./line-protocol/parse.js";
export { type LineRewrite, rewriteLine, withTag, withTimestamp } from "./line-protocol/rewrite.js";
export { type SplitEntry, type SplitOptions, splitMessage } from "./line-protocol/split.js";
export { type FieldType, type FieldValue, LineProtocolError, type Point } from "./line-protocol/types.js";
export { createLogger, type Logger, silentLogger } from "./log.js";
export {
  checkDeclarations,
  defineMeasurements,
  type FieldDeclaration,
  fieldDeclaration,
  type MeasurementDeclaration,
  type MeasurementDeclarations,
  RESERVED_TAGS,
  tagDescription,
  tagNames,
  UNITS,
  type Unit,
} from "./measurements.js";
export { PointBuilder } from "./point/point-builder.js";
export type { FieldKey, MeasurementName, TagKey, TypedFieldValue, TypedPoint } from "./point/typed.js";
export { createSink } from "./publish/create-sink.js";
export type { FlushResult, Sink, SinkStats } from "./publish/sink.js";
export { type HealthCheck, type HealthServer, startHealthServer } from "./runtime/health-server.js";
export { listenErrorMessage } from "./runtime/listen-error.js";
export { packageVersion } from "./runtime/package-version.js";
export { DEFAULT_HTTP_PORTS, defaultHttpPort } from "./runtime/ports.js";
export { resolveCollectorConfig } from "./runtime/resolve-config.js";
export type { Problem, ProblemKind } from "./runtime/round.js";
export { type RunOptions, runCollector } from "./runtime/run-collector.js";
export { SDK_MEASUREMENTS } from "./runtime/self-metrics.js";
export { type CollectOnceOptions, type CollectOnceResult, collectOnce } from "./testkit.js";
export { dateToNs, nowNs, nsToDate } from "./time.js";
