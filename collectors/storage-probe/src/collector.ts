import { DEFAULT_HTTP_PORTS, defineCollector } from "@platform-metrics/sdk";
import { cliOptions, configSchema } from "./config.js";
import { measurements } from "./measurements.js";
import { probeVolume } from "./probe-volume.js";
import { setupProbe, teardownProbe } from "./state.js";

export default defineCollector({
  name: "storage-probe",
  description: "Throughput, IOPS and latency of a volume, measured with fio",
  config: configSchema,
  // Each round writes to the volume for profiles x runtime (15 s by default): measure, do not load.
  interval: "5m",
  roundTimeout: "4m",
  httpPort: DEFAULT_HTTP_PORTS["storage-probe"],
  measurements,
  cli: {
    options: cliOptions,
    usage: [
      "Examples:",
      "  pm-collector-storage-probe --once --volume-path /data",
      "  PM_VOLUME_PATH=/data PM_PROFILES=rand-read,fsync PM_RUNTIME=10s pm-collector-storage-probe",
    ].join("\n"),
  },
  setup: setupProbe,
  collect: probeVolume,
  teardown: teardownProbe,
});
