// @platform-metrics/sdk/line-protocol: InfluxDB line protocol, the strict parser (what the relay
// checks every line with) and the encoder. A collector builds points with ctx.point and needs none of it.
export { encodeFieldValue, encodePoint } from "./encode.js";
export { escapeKey, escapeMeasurement, escapeStringField } from "./escape.js";
export { DEFAULT_MAX_LINE_BYTES, MAX_TIMESTAMP, MIN_TIMESTAMP } from "./limits.js";
export {
  type ParsedMessage,
  parseGeneral,
  parseMessage,
  type RejectedLine,
} from "./message.js";
export { type ParsedLine, type ParseOptions, parseLine } from "./parse.js";
export { type LineRewrite, rewriteLine, withTag, withTimestamp } from "./rewrite.js";
export { type SplitEntry, type SplitOptions, splitMessage } from "./split.js";
export { type FieldType, type FieldValue, LineProtocolError, type Point } from "./types.js";
