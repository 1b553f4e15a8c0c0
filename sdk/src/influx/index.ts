// @platform-metrics/sdk/influx: the one client of InfluxDB's v1 HTTP API, for the relay, the gateway
// and the tests.
export { basicAuthorization, type InfluxAnswer, toAnswer } from "./answer.js";
export {
  type InfluxClientOptions,
  type InfluxCredentials,
  type InfluxQueryOptions,
  InfluxV1Client,
  type InfluxWriteOptions,
  isTimeoutError,
} from "./client.js";
export { fetchText, type TextResponse } from "./fetch-text.js";
export { quoteIdentifier, quoteString } from "./influxql.js";
