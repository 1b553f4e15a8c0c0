import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./free-port.js";
import { type NatsServer, startNats } from "./nats-server.js";

export interface NatsClusterNode extends NatsServer {
  /** Port of the cluster routes. */
  clusterPort: number;
  /** Port of the HTTP monitoring endpoints (/jsz, /healthz). */
  monitorPort: number;
}

export interface NatsCluster {
  nodes: NatsClusterNode[];
  /** Every node's client URL, comma-separated: what PM_NATS_URL and `servers` take. */
  url: string;
  urls: string[];
  /** The node announcing this server_name (a stream's `cluster.leader` names one). */
  node(name: string): NatsClusterNode;
  /**
   * Waits until every running node agrees on a JetStream meta leader, so streams can be created and
   * placed: after the start, and after a node was killed or restarted.
   */
  ready(timeoutMs?: number): Promise<void>;
  /** Closes every node; safe to call again. */
  close(): Promise<void>;
}

export interface StartNatsClusterOptions {
  /** Nodes, 3 by default (the smallest cluster that survives the loss of one). */
  size?: number;
  /** Extra nats-server arguments for every node. */
  args?: string[];
  /** Bound on the wait for each node and for the meta leader (default 30 s). */
  startTimeoutMs?: number;
}

interface MetaCluster {
  leader?: string;
  cluster_size?: number;
}

async function metaCluster(node: NatsClusterNode): Promise<MetaCluster | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${node.monitorPort}/jsz`, {
      signal: AbortSignal.timeout(2000),
    });
    if (!response.ok) return undefined;
    return ((await response.json()) as { meta_cluster?: MetaCluster }).meta_cluster;
  } catch {
    return undefined;
  }
}

/**
 * A JetStream cluster of real nats-server processes on 127.0.0.1: each with its own client, route and
 * monitoring port and store directory, routes to all the others, and the same cluster name. Each
 * node can be killed, stopped and started again like a single server (same ports, same store).
 */
export async function startNatsCluster(options: StartNatsClusterOptions = {}): Promise<NatsCluster> {
  const size = options.size ?? 3;
  if (!Number.isInteger(size) || size < 1 || size > 9)
    throw new TypeError(
      `startNatsCluster: size must be an integer from 1 to 9, got ${JSON.stringify(options.size)}`,
    );
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const clusterName = `pm-test-cluster-${randomBytes(4).toString("hex")}`;
  const clusterPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const monitorPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const route = (port: number) => `nats://127.0.0.1:${port}`;

  const started = await Promise.allSettled(
    clusterPorts.map(async (clusterPort, i) => {
      const others = clusterPorts.filter((port) => port !== clusterPort).map(route);
      const server = await startNats({
        args: [
          ...["--cluster_name", clusterName, "--cluster", route(clusterPort), "-m", String(monitorPorts[i])],
          ...(others.length > 0 ? ["--routes", others.join(",")] : []),
          ...(options.args ?? []),
        ],
        startTimeoutMs: timeoutMs,
      });
      return Object.assign(server, { clusterPort, monitorPort: monitorPorts[i]! });
    }),
  );
  const nodes = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failed = started.find((result) => result.status === "rejected");
  const close = async () => void (await Promise.all(nodes.map((node) => node.close())));
  if (failed) {
    await close();
    throw (failed as PromiseRejectedResult).reason;
  }

  const cluster: NatsCluster = {
    nodes,
    urls: nodes.map((node) => node.url),
    url: nodes.map((node) => node.url).join(","),
    node(name) {
      const node = nodes.find((n) => n.name === name);
      if (!node)
        throw new Error(`no node named ${JSON.stringify(name)} in ${nodes.map((n) => n.name).join(", ")}`);
      return node;
    },
    async ready(limitMs = timeoutMs) {
      const deadline = Date.now() + limitMs;
      for (;;) {
        const running = nodes.filter((node) => node.running && !node.paused);
        const metas = await Promise.all(running.map(metaCluster));
        const leaders = new Set(metas.map((meta) => meta?.leader));
        const leader = [...leaders][0];
        if (leaders.size === 1 && leader && metas.every((meta) => meta?.cluster_size === size)) return;
        if (Date.now() > deadline)
          throw new Error(
            `NATS cluster ${clusterName}: no JetStream meta leader agreed by every running node within ${limitMs} ms ` +
              `(saw ${JSON.stringify(metas)})`,
          );
        await sleep(100);
      }
    },
    close,
  };
  try {
    await cluster.ready();
  } catch (error) {
    await close();
    throw error;
  }
  return cluster;
}
