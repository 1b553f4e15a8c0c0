import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Endpoint } from "./endpoints.js";
import type { Layout } from "./layout.js";
import type { SimulatorName } from "./simulators.js";

/** What a collector's `env` can use: the demo's directories and every service's address. */
export interface CollectorContext {
  dirs: Layout;
  /** The collector's own directory under .pm-demo/work/, kept between runs. */
  workDir: string;
  /** The demo's own process: perf follows it and everything it started. */
  demoPid: number;
  /** Every service of the demo (servers, relay, gateway, collectors) with its health URL. */
  endpoints: readonly Endpoint[];
}

/** One collector of the demo: one entry here is all it takes to add one. */
export interface DemoCollector {
  /** The service's name in the output and of its log file; the collector's own source name. */
  name: string;
  /** Its executable, as `npm run build` links it into node_modules/.bin. */
  bin: string;
  /**
   * A simulated server of testing/ (see SIMULATORS) it reads instead of a real system: started
   * first, its variables merged in, the collector's points tagged cluster=simulated, and the
   * collector marked simulated in the output and on the dashboard.
   */
  simulated?: SimulatorName;
  /** Its own PM_* settings; the demo adds PM_NATS_URL, PM_HTTP_PORT, PM_SPOOL_DIR and the log level. */
  env(context: CollectorContext): Record<string, string>;
}

/** The cluster tag of a simulated collector's points. */
export const SIMULATED_CLUSTER = "simulated";

export const COLLECTORS: readonly DemoCollector[] = [
  {
    name: "perf",
    bin: "pm-collector-perf",
    // The demo itself: its own process and every service it started, one series per process.
    env: ({ demoPid }) => ({
      PM_PID: String(demoPid),
      PM_PER_PROCESS: "true",
      PM_SYSTEM: "true",
      PM_INTERVAL: "2s",
    }),
  },
  {
    name: "storage-probe",
    bin: "pm-collector-storage-probe",
    // A directory of the demo's; small files and short runs, so a round costs a few seconds of I/O.
    env: ({ workDir }) => ({
      PM_VOLUME_PATH: workDir,
      PM_VOLUME_NAME: "pm-demo",
      PM_FILE_SIZE: "8MiB",
      PM_RUNTIME: "500ms",
      PM_INTERVAL: "30s",
    }),
  },
  {
    name: "component-status",
    bin: "pm-collector-component-status",
    // Every service of the demo, itself included, probed at its health URL (any 2xx is up: InfluxDB's
    // /ping answers 204); and NATS's /varz scraped as JSON, its numbers become fields.
    env: ({ endpoints, workDir }) => {
      const targets: Record<string, unknown>[] = endpoints.map((e) => ({ name: e.name, url: e.health }));
      const nats = endpoints.find((e) => e.kind === "nats");
      if (nats)
        targets.push({ name: "nats-varz", url: nats.health.replace(/\/healthz$/, "/varz"), scrape: true });
      for (const e of endpoints)
        if (e.metrics) targets.push({ name: `${e.name}-metrics`, url: e.metrics, scrape: true });
      const config = join(workDir, "component-status.json");
      writeFileSync(config, `${JSON.stringify({ targets }, null, 2)}\n`); // JSON is YAML
      return { PM_CONFIG: config, PM_INTERVAL: "5s", PM_TIMEOUT: "2s" };
    },
  },
  {
    name: "k8s-api",
    bin: "pm-collector-k8s-api",
    simulated: "kubernetes-cluster",
    env: () => ({ PM_INTERVAL: "5s" }),
  },
  {
    name: "catalog",
    bin: "pm-collector-catalog",
    simulated: "backstage-catalog",
    env: () => ({ PM_INTERVAL: "10s" }),
  },
  {
    name: "data-catalog",
    bin: "pm-collector-data-catalog",
    simulated: "ckan-catalog",
    env: () => ({ PM_INTERVAL: "10s" }),
  },
];
