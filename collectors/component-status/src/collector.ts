import { DEFAULT_HTTP_PORTS, defineCollector } from "@platform-metrics/sdk";
import { collectRound } from "./collect.js";
import { cliOptions, configSchema } from "./config.js";
import { measurements } from "./measurements.js";
import { setupTargets, teardownTargets } from "./state.js";

export default defineCollector({
  name: "component-status",
  description:
    "Is each platform component up and how fast it answers; the metrics apps publish, from static targets and annotated Services and Pods",
  config: configSchema,
  interval: "30s",
  httpPort: DEFAULT_HTTP_PORTS["component-status"],
  measurements,
  cli: {
    options: cliOptions,
    usage: [
      "Targets come from the PM_CONFIG file (targets: [{ name, url, ... }]) or PM_TARGETS (URLs, comma-separated);",
      'with --discovery, also from Services and Pods annotated platform-metrics.io/scrape: "true".',
      "Examples:",
      "  PM_SINK=stdout PM_TARGETS=http://localhost:8086/ping pm-collector-component-status --once",
      "  PM_CONFIG=/etc/pm/component-status.yaml PM_DISCOVERY=true pm-collector-component-status",
    ].join("\n"),
  },
  setup: setupTargets,
  collect: collectRound,
  teardown: teardownTargets,
});
