export { default } from "./collector.js";
export { measurements } from "./measurements.js";
// What a scrape costs to read: bench/component-status-scrape.mjs measures the exposition parser.
export { parseExposition } from "./scrape/exposition.js";
