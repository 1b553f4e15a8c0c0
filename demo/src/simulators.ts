import { randomBytes } from "node:crypto";
import { startBackstageCatalog, startCkan } from "@platform-metrics/testing";
import { startSimulatedCluster } from "./simulated-cluster.js";

/** A simulated server a collector reads instead of a real system; started before that collector. */
export interface Simulator {
  /** How the demo's output describes it. */
  description: string;
  /** Starts it with its files in `workDir`; `env` is merged into the collector's. */
  start(workDir: string): Promise<StartedSimulator>;
}

export interface StartedSimulator {
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The simulated servers of `testing/` the demo can run. A collector that names one in its
 * `simulated` entry gets it started first, its variables, and the tag cluster=simulated.
 */
export const SIMULATORS = {
  "kubernetes-cluster": {
    description: "a small Kubernetes cluster with churn (the test API server of testing/)",
    async start(workDir) {
      const cluster = await startSimulatedCluster(workDir);
      return { env: { KUBECONFIG: cluster.kubeconfig }, close: () => cluster.close() };
    },
  },
  "backstage-catalog": {
    description: "a Backstage software catalog of 2,000 entities (testing/)",
    async start() {
      const token = randomBytes(16).toString("hex");
      const catalog = await startBackstageCatalog({ entities: 2000, token });
      return {
        env: { PM_ADAPTER: "backstage", PM_URL: catalog.url, PM_CATALOG_TOKEN: token },
        close: () => catalog.close(),
      };
    },
  },
  "ckan-catalog": {
    description: "a CKAN data catalog of 500 datasets in 4 organizations, some private (testing/)",
    async start() {
      const token = randomBytes(16).toString("hex");
      const ckan = await startCkan({ datasets: 500, organizations: 4, privateEvery: 7, token });
      return {
        env: { PM_ADAPTER: "ckan", PM_URL: ckan.url, PM_CATALOG_TOKEN: token },
        close: () => ckan.close(),
      };
    },
  },
} satisfies Record<string, Simulator>;

export type SimulatorName = keyof typeof SIMULATORS;
