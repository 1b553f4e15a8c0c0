export { createToken } from "./cli/token-create.js";
export { type GatewayConfig, gatewayConfigSchema, loadGatewayConfig } from "./config.js";
export { GATEWAY_MEASUREMENTS, GATEWAY_METRICS_INTERVAL } from "./measurements.js";
export { buildQuery, quoteIdentifier, quoteString } from "./query/build-influxql.js";
export { querySchema, type StructuredQuery } from "./query/schema.js";
export { createGateway, type GatewayOptions } from "./server.js";
