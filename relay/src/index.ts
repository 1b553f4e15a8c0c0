export { loadRelayConfig, type RelayConfig, type Replica, relayConfigSchema } from "./config.js";
export { namedByMessage, type WriteOutcome, writeLines } from "./influx/write-lines.js";
export { RELAY_MEASUREMENTS, RELAY_METRICS_INTERVAL } from "./measurements.js";
export { type Relay, startRelay } from "./relay.js";
export { validateMessage } from "./validate.js";
