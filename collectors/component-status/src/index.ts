export { default } from "./collector.js";
export { measurements } from "./measurements.js";
