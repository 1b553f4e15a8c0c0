// @platform-metrics/sdk/contracts: the rules every package shares (names, subjects, streams, reserved
// tags, PM_INFLUX_URLS), each written once.
export { type InfluxReplica, influxReplicas, parseInfluxReplicas } from "./influx-urls.js";
export {
  isOrgName,
  NAME_PATTERN,
  NAME_RULE,
  PLATFORM_ORG,
  RESERVED_TAGS,
  type ReservedTag,
} from "./names.js";
export {
  DEADLETTER_REASON_HEADER,
  DEADLETTER_STREAM,
  DEADLETTER_SUBJECTS,
  deadLetterSubject,
  METRICS_STREAM,
  METRICS_SUBJECTS,
  metricsSubject,
  parseMetricsSubject,
} from "./subjects.js";
