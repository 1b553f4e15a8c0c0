export type {
  CatalogAdapter,
  CatalogApi,
  CatalogPage,
  CatalogSummary,
  DatasetRecord,
  Group,
} from "./adapters/adapter.js";
export { ADAPTERS } from "./adapters/index.js";
export { default } from "./collector.js";
export { measurements } from "./measurements.js";
