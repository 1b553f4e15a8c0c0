export { default } from "./collector.js";
// fio's own arguments for a profile, for the baseline of bench/storage-probe.mjs.
export { fioArgs } from "./fio/fio-args.js";
export { type ParsedFio, parseFioJson } from "./fio/parse-fio-json.js";
export { DEFAULT_PROFILES, resolveProfile } from "./profiles.js";
