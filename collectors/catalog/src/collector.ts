import { DEFAULT_HTTP_PORTS, defineCollector } from "@platform-metrics/sdk";
import { collectRound } from "./collect.js";
import { cliOptions, configSchema } from "./config.js";
import { measurements } from "./measurements.js";
import { setupCatalog, teardownCatalog } from "./state.js";

export default defineCollector({
  name: "catalog",
  description:
    "What the platform offers: a Backstage catalog's entities per org, kind and lifecycle with their gaps, or an Open Service Broker's services and plans",
  config: configSchema,
  interval: "5m",
  httpPort: DEFAULT_HTTP_PORTS.catalog,
  measurements,
  cli: {
    options: cliOptions,
    usage: [
      "Secrets come from PM_CATALOG_TOKEN (bearer) or PM_CATALOG_USER + PM_CATALOG_PASSWORD (basic).",
      "Examples:",
      "  PM_SINK=stdout PM_CATALOG_TOKEN=... pm-collector-catalog --adapter backstage --url http://backstage:7007/api/catalog --once",
      "  PM_CATALOG_USER=admin PM_CATALOG_PASSWORD=... pm-collector-catalog --adapter osb --url http://broker:8080",
    ].join("\n"),
  },
  setup: setupCatalog,
  collect: collectRound,
  teardown: teardownCatalog,
});
