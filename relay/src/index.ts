export { loadRelayConfig, type RelayConfig, type Replica, relayConfigSchema } from "./config.js";
export { REASON_HEADER } from "./dead-letter.js";
export { InfluxClient } from "./influx/client.js";
export { namedByMessage, type WriteOutcome, writeLines } from "./influx/write-lines.js";
export { type Relay, startRelay } from "./relay.js";
export { validateMessage } from "./validate.js";
