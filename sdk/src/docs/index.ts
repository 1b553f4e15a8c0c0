// @platform-metrics/sdk/docs: measurement tables and the gateway's catalogue from declarations
// (scripts/gen-metric-docs.mjs).

export { checkDeclarations, fieldDeclaration, tagDescription, tagNames } from "../measurements.js";
export { SDK_MEASUREMENTS } from "../runtime/self-metrics.js";
export {
  type CatalogueField,
  type CatalogueMeasurement,
  type CatalogueSource,
  catalogueMeasurements,
} from "./catalogue.js";
export {
  CONFIG_END,
  CONFIG_START,
  describeSettings,
  renderConfig,
  replaceConfigSection,
  type SettingDoc,
  type SettingType,
} from "./render-config.js";
export {
  METRICS_END,
  METRICS_START,
  renderMeasurements,
  replaceMetricsSection,
} from "./render-measurements.js";
