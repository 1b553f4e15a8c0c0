export { default } from "./collector.js";
export { measurements } from "./measurements.js";
// The bare /proc reads of a round, for the floor of bench/perf-collector.mjs.
export { ReadBuffer } from "./proc/read-buffer.js";
export { listPids } from "./proc/scan.js";
export { ProcessTree } from "./tree.js";
