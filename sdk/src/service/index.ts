// @platform-metrics/sdk/service: what the relay and the gateway are built from besides points:
// config loading, logger, health server, sinks, self-metrics checked against their declarations.
export { z } from "zod";
export { type CommonConfig, commonConfigSchema, portNumber } from "../config/common.js";
export { duration, formatDuration, parseDuration } from "../config/duration.js";
export { ConfigError, envName, type LoadConfigOptions, loadConfig } from "../config/load.js";
export { createLogger, type Logger, silentLogger } from "../log.js";
// The relay's and gateway's own measurements are declared, and checked, as a collector's are.
export { defineMeasurements, type MeasurementDeclarations } from "../measurements.js";
export { createSink } from "../publish/create-sink.js";
export type { FlushResult, Sink, SinkStats } from "../publish/sink.js";
export { type HealthCheck, type HealthServer, startHealthServer } from "../runtime/health-server.js";
export { listenErrorMessage } from "../runtime/listen-error.js";
export { packageVersion } from "../runtime/package-version.js";
export { DEFAULT_HTTP_PORTS, defaultHttpPort } from "../runtime/ports.js";
// A collector's rounds without the scheduler, for tools that drive them (bench/sdk-publish.mjs).
export { outputLines, RoundRecorder } from "../runtime/round.js";
export { checkPoint, declaredLine } from "./declared-point.js";
