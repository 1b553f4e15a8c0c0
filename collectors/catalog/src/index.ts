export type {
  AdapterDefinition,
  CatalogAdapter,
  CatalogEntity,
  ServiceOffering,
} from "./adapters/adapter.js";
export { ADAPTERS } from "./adapters/index.js";
export { default } from "./collector.js";
export { measurements } from "./measurements.js";
