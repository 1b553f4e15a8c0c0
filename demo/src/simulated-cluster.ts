import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  deploymentObject,
  eventObject,
  type KubeApiServer,
  namespaceObject,
  nodeObject,
  podObject,
  pvcObject,
  startKubeApi,
  statefulSetObject,
} from "@platform-metrics/testing";

/** How often something changes in the simulated cluster, so the k8s-api charts move. */
const CHURN_MS = 2000;
const NODES = ["sim-node-1", "sim-node-2", "sim-node-3"];
const APPS = [
  { namespace: "shop", name: "web", replicas: 4 },
  { namespace: "shop", name: "api", replicas: 3 },
  { namespace: "data", name: "ingest", replicas: 2 },
];

export interface SimulatedCluster {
  /** A kubeconfig file that reaches it, for KUBECONFIG. */
  kubeconfig: string;
  close(): Promise<void>;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/**
 * A small Kubernetes cluster, simulated by the test API server of `@platform-metrics/testing` (no
 * real cluster runs on one machine): 3 nodes, 3 namespaces, a few workloads and their pods, and some
 * churn every 2 s (pods restart and fail, rollouts that controllers reconcile after a delay).
 */
export async function startSimulatedCluster(workDir: string): Promise<SimulatedCluster> {
  const api = await startKubeApi();
  populate(api);
  let serial = 0;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, change: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      change();
    }, ms);
    timers.add(timer);
  };
  const churn = setInterval(() => {
    const app = pick(APPS);
    const pod = `${app.name}-${Math.floor(Math.random() * app.replicas)}`;
    const node = pick(NODES);
    switch (Math.floor(Math.random() * 4)) {
      case 0: // a pod is replaced: Pending for a moment, then Running again
        api.apply("pods", podObject(app.namespace, pod, { phase: "Pending", node }));
        later(1500 + Math.random() * 3000, () => api.apply("pods", podObject(app.namespace, pod, { node })));
        break;
      case 1: // a container crashes and backs off, then recovers
        api.apply("pods", podObject(app.namespace, pod, { waiting: "CrashLoopBackOff", restarts: 1, node }));
        later(3000 + Math.random() * 4000, () => api.apply("pods", podObject(app.namespace, pod, { node })));
        break;
      case 2: {
        // a rollout: the generation rises, the controller catches up 0.2 to 2 s later
        const updated = api.patch("deployments", app.namespace, app.name, (object) => {
          (
            object.spec as { template: { metadata: { annotations?: object } } }
          ).template.metadata.annotations = {
            rollout: String(++serial),
          };
        });
        const generation = updated.metadata.generation;
        later(200 + Math.random() * 1800, () =>
          api.patch("deployments", app.namespace, app.name, (object) => {
            (object.status as { observedGeneration?: number }).observedGeneration = generation;
          }),
        );
        break;
      }
      default:
        api.apply(
          "events",
          eventObject(app.namespace, `${pod}.${++serial}`, {
            reason: "BackOff",
            type: "Warning",
            involved: pod,
          }),
        );
    }
  }, CHURN_MS);
  const kubeconfig = join(workDir, "kubeconfig");
  writeFileSync(kubeconfig, api.kubeconfig(), { mode: 0o600 });
  return {
    kubeconfig,
    async close() {
      clearInterval(churn);
      for (const timer of timers) clearTimeout(timer);
      await api.close();
    },
  };
}

function populate(api: KubeApiServer): void {
  for (const node of NODES) api.create("nodes", nodeObject(node, { cpu: "8", memory: "32Gi" }));
  for (const namespace of ["shop", "data", "monitoring"])
    api.create("namespaces", namespaceObject(namespace));
  for (const { namespace, name, replicas } of APPS) {
    api.create("deployments", deploymentObject(namespace, name, { replicas }));
    for (let i = 0; i < replicas; i++)
      api.create("pods", podObject(namespace, `${name}-${i}`, { node: NODES[i % NODES.length] }));
  }
  api.create("statefulsets", statefulSetObject("data", "postgres", { replicas: 1 }));
  api.create("pods", podObject("data", "postgres-0", { node: NODES[0] }));
  api.create("persistentvolumeclaims", pvcObject("data", "pgdata-postgres-0", { storage: "20Gi" }));
  api.create("pods", podObject("monitoring", "agent-0", { node: NODES[1] }));
}
