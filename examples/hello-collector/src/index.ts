export { default } from "./collector.js";
