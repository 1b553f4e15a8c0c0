export { default } from "./collector.js";
export { type ParsedFio, parseFioJson } from "./fio/parse-fio-json.js";
export { DEFAULT_PROFILES } from "./profiles.js";
