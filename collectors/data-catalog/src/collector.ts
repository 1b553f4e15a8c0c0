import { DEFAULT_HTTP_PORTS, defineCollector } from "@platform-metrics/sdk";
import { collectRound } from "./collect.js";
import { cliOptions, configSchema } from "./config.js";
import { measurements } from "./measurements.js";
import { setupCatalog, teardownCatalog } from "./state.js";

export default defineCollector({
  name: "data-catalog",
  description:
    "What data the platform holds, per org: datasets, resources, bytes, formats and staleness from a data catalog (CKAN, OpenMetadata)",
  config: configSchema,
  interval: "15m",
  httpPort: DEFAULT_HTTP_PORTS["data-catalog"],
  measurements,
  cli: {
    options: cliOptions,
    usage: [
      "Reads a data catalog's REST API (PM_ADAPTER: ckan or openmetadata) at PM_URL, page by page.",
      "Secrets: PM_CATALOG_TOKEN (API token), PM_CATALOG_USER and PM_CATALOG_PASSWORD (basic auth).",
      "Examples:",
      "  PM_SINK=stdout pm-collector-data-catalog --adapter ckan --url http://ckan:5000 --once",
      "  PM_CONFIG=data-catalog.yaml PM_CATALOG_TOKEN=... pm-collector-data-catalog",
    ].join("\n"),
  },
  setup: setupCatalog,
  collect: collectRound,
  teardown: teardownCatalog,
});
