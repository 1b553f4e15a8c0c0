export { default } from "./collector.js";
// What one pod costs to hold: bench/k8s-api.mjs measures the bytes per pod of these records.
export { podRecord } from "./kube/records.js";
export { measurements } from "./measurements.js";
