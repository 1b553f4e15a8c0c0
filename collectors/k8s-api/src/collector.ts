import { DEFAULT_HTTP_PORTS, defineCollector } from "@platform-metrics/sdk";
import { collectRound } from "./collect.js";
import { cliOptions, configSchema } from "./config.js";
import { measurements } from "./measurements.js";
import { setupCluster, teardownCluster } from "./state.js";

export default defineCollector({
  name: "k8s-api",
  description:
    "Cluster state per namespace from the Kubernetes API (watched, not re-listed), and how fast controllers reconcile",
  config: configSchema,
  interval: "30s",
  httpPort: DEFAULT_HTTP_PORTS["k8s-api"],
  measurements,
  cli: {
    options: cliOptions,
    usage: [
      "Reads the cluster of KUBECONFIG, else ~/.kube/config, else the pod's service account.",
      "Examples:",
      "  PM_SINK=stdout pm-collector-k8s-api --once",
      "  PM_CUSTOM_RESOURCES=widgets.example.com/v1 PM_NATS_URL=nats://nats:4222 pm-collector-k8s-api",
    ].join("\n"),
  },
  setup: setupCluster,
  collect: collectRound,
  teardown: teardownCluster,
});
