import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEPLOY, type K8sObject, kustomizations, parseObjects, render } from "./kustomize.js";
import {
  accessProblems,
  containerProblems,
  OWN_IMAGE,
  podTemplates,
  references,
  resolves,
  selects,
} from "./rules.js";
import { schemaProblems } from "./schema.js";

// Every folder with a kustomization.yaml is rendered and checked: a new piece needs no change here.
const { pieces, overlays } = kustomizations();
const rendered = new Map<string, K8sObject[]>();
function renderOnce(path: string): K8sObject[] {
  if (!rendered.has(path)) rendered.set(path, render(join(DEPLOY, path)));
  return rendered.get(path)!;
}
const exampleSecrets = () => renderOnce("example-secrets");

/** YAML files in a piece's folder that its kustomization does not list: examples to copy, checked too. */
function standaloneExamples(piece: string): string[] {
  const listed: string[] =
    parse(readFileSync(join(DEPLOY, piece, "kustomization.yaml"), "utf8")).resources ?? [];
  return readdirSync(join(DEPLOY, piece))
    .filter((file) => file.endsWith(".yaml") && file !== "kustomization.yaml" && !listed.includes(file))
    .map((file) => join(piece, file));
}

const workloads = (objects: K8sObject[]) =>
  objects.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet");
const find = (objects: K8sObject[], kind: string, name: string) => {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!object) throw new Error(`no ${kind} ${name} in the render`);
  return object;
};
const envOf = (workload: K8sObject, name: string) =>
  workload.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === name)?.value;

it("has a folder for each piece that exists and the two overlays", () => {
  for (const piece of ["nats", "influxdb", "relay", "gateway", "perf", "storage-probe", "example-secrets"])
    expect(pieces).toContain(piece);
  expect(overlays).toEqual(expect.arrayContaining(["dev", "ha"]));
});

describe.each([
  ...pieces.map((piece) => ({ what: `deploy/${piece}`, path: piece })),
  ...overlays.map((overlay) => ({ what: `deploy/overlays/${overlay}`, path: `overlays/${overlay}` })),
])("$what", ({ path }) => {
  it("renders with kubectl kustomize, every object valid against the Kubernetes schemas", () => {
    const objects = renderOnce(path);
    expect(objects.length).toBeGreaterThan(0);
    expect(
      objects.flatMap((o) => schemaProblems(o).map((p) => `${o.kind} ${o.metadata.name}: ${p}`)),
    ).toEqual([]);
  });

  it("every container: requests and limits, probes, non-root, read-only root, capabilities, grace period", () => {
    expect(podTemplates(renderOnce(path)).flatMap(containerProblems)).toEqual([]);
  });

  it("own ServiceAccounts, an API token only with a role, roles that only read", () => {
    expect(accessProblems(renderOnce(path))).toEqual([]);
  });

  it("every Secret a pod uses has an example with its keys; every ConfigMap is in the render", () => {
    const objects = renderOnce(path);
    const missing = podTemplates(objects)
      .flatMap((pod) => references(pod).map((reference) => ({ pod, reference })))
      .filter(
        ({ reference }) => !resolves(reference, reference.startsWith("Secret") ? exampleSecrets() : objects),
      )
      .map(({ pod, reference }) => `${pod.owner}: ${reference}`);
    expect(missing).toEqual([]);
  });

  it("renders no Secret but the marked examples", () => {
    const secrets = renderOnce(path).filter((o) => o.kind === "Secret");
    for (const secret of secrets) {
      expect(
        secret.metadata.annotations?.["platform-metrics.io/example"],
        secret.metadata.name,
      ).toBeDefined();
      for (const [key, value] of Object.entries<string>(secret.stringData ?? {}))
        if (key !== "username")
          expect(value, `${secret.metadata.name} ${key} holds a placeholder`).toMatch(/change-me|0{64}/);
    }
  });

  it("a PodDisruptionBudget for every Deployment and StatefulSet", () => {
    const objects = renderOnce(path);
    const budgets = objects.filter((o) => o.kind === "PodDisruptionBudget");
    for (const workload of workloads(objects))
      expect(
        budgets.some((b) => selects(b.spec.selector, workload.spec.template.metadata.labels)),
        `${workload.kind} ${workload.metadata.name}`,
      ).toBe(true);
  });
});

describe.each(pieces.flatMap(standaloneExamples))("example %s", (file) => {
  const objects = () => parseObjects(readFileSync(join(DEPLOY, file), "utf8"), file);
  it("is valid against the Kubernetes schemas, and our containers keep the rules", () => {
    expect(objects().flatMap((o) => schemaProblems(o))).toEqual([]);
    const ours = podTemplates(objects()).map((pod) => ({
      ...pod,
      spec: {
        ...pod.spec,
        containers: pod.spec.containers.filter((c: { image: string }) => OWN_IMAGE.test(c.image)),
      },
    }));
    expect(ours.flatMap(containerProblems)).toEqual([]);
  });
});

describe.each(overlays)("overlay %s composes the pieces", (overlay) => {
  const objects = () => renderOnce(`overlays/${overlay}`);

  it("puts every namespaced object in platform-metrics", () => {
    const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding"]);
    for (const object of objects().filter((o) => !clusterScoped.has(o.kind)))
      expect(object.metadata.namespace, `${object.kind} ${object.metadata.name}`).toBe("platform-metrics");
  });

  it("the relay and the gateway name exactly the InfluxDB replicas there are", () => {
    const influx = find(objects(), "StatefulSet", "pm-influxdb");
    const replicas = Array.from(
      { length: influx.spec.replicas },
      (_, i) => `influxdb-${i}=http://pm-influxdb-${i}.${influx.spec.serviceName}:8086`,
    ).join(",");
    expect(envOf(find(objects(), "Deployment", "pm-relay"), "PM_INFLUX_URLS")).toBe(replicas);
    expect(envOf(find(objects(), "Deployment", "pm-gateway"), "PM_INFLUX_URLS")).toBe(replicas);
  });

  it("lets only the relay and the gateway reach InfluxDB", () => {
    const influxLabels = find(objects(), "StatefulSet", "pm-influxdb").spec.template.metadata.labels;
    const policies = objects().filter(
      (o) => o.kind === "NetworkPolicy" && selects(o.spec.podSelector, influxLabels),
    );
    expect(policies.length).toBeGreaterThan(0);
    for (const policy of policies) {
      expect(policy.spec.policyTypes).toContain("Ingress");
      const peers = policy.spec.ingress.flatMap((rule: { from?: unknown[] }) => rule.from ?? [undefined]);
      expect(
        peers.map(
          (peer: { podSelector?: { matchLabels?: unknown } } | undefined) => peer?.podSelector?.matchLabels,
        ),
      ).toEqual([{ "app.kubernetes.io/name": "pm-relay" }, { "app.kubernetes.io/name": "pm-gateway" }]);
    }
  });
});

describe("overlay dev", () => {
  const objects = () => renderOnce("overlays/dev");
  it("runs one of each, with the example Secrets", () => {
    for (const workload of workloads(objects()))
      expect(workload.spec.replicas, workload.metadata.name).toBe(1);
    expect(objects().filter((o) => o.kind === "Secret").length).toBe(exampleSecrets().length);
  });
});

describe("overlay ha", () => {
  const objects = () => renderOnce("overlays/ha");

  it("includes every piece but the examples (perf goes with an application)", () => {
    const resources: string[] = parse(
      readFileSync(join(DEPLOY, "overlays/ha/kustomization.yaml"), "utf8"),
    ).resources;
    for (const piece of pieces.filter((p) => p !== "example-secrets" && p !== "perf"))
      expect(resources, `add ../../${piece} to deploy/overlays/ha/kustomization.yaml`).toContain(
        `../../${piece}`,
      );
  });

  it("a 3-node NATS cluster whose routes name its three pods; the relay makes the streams R3", () => {
    const nats = find(objects(), "StatefulSet", "pm-nats");
    expect(nats.spec.replicas).toBe(3);
    const config = objects().find(
      (o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("pm-nats-config"),
    )!;
    const routes = [...config.data["nats.conf"].matchAll(/nats:\/\/([\w.-]+):6222/g)].map((m) => m[1]);
    expect(routes).toEqual([0, 1, 2].map((i) => `pm-nats-${i}.${nats.spec.serviceName}`));
    expect(config.data["nats.conf"]).toMatch(/include \.\/auth\.conf/);
    expect(config.data["auth.conf"]).toBeDefined();
    expect(envOf(find(objects(), "Deployment", "pm-relay"), "PM_STREAM_REPLICAS")).toBe("3");
  });

  it("2 InfluxDB replicas each with its own PVC, 2 relays, 2 gateways, no Secrets", () => {
    const influx = find(objects(), "StatefulSet", "pm-influxdb");
    expect(influx.spec.replicas).toBe(2);
    expect(
      influx.spec.volumeClaimTemplates.map((t: { metadata: { name: string } }) => t.metadata.name),
    ).toEqual(["data"]);
    expect(find(objects(), "Deployment", "pm-relay").spec.replicas).toBe(2);
    expect(find(objects(), "Deployment", "pm-gateway").spec.replicas).toBe(2);
    expect(objects().filter((o) => o.kind === "Secret")).toEqual([]);
  });

  it("spreads replicas across nodes: required for NATS and InfluxDB, at least preferred for the rest", () => {
    // A workload that runs one replica by design (the k8s-api collector) has nothing to spread.
    for (const workload of workloads(objects()).filter((w) => (w.spec.replicas ?? 1) > 1)) {
      const anti = workload.spec.template.spec.affinity?.podAntiAffinity ?? {};
      const terms = [
        ...(anti.requiredDuringSchedulingIgnoredDuringExecution ?? []),
        ...(anti.preferredDuringSchedulingIgnoredDuringExecution ?? []).map(
          (p: { podAffinityTerm: unknown }) => p.podAffinityTerm,
        ),
      ];
      const spreads = terms.some(
        (t: { topologyKey: string; labelSelector: unknown }) =>
          t.topologyKey === "kubernetes.io/hostname" &&
          selects(t.labelSelector, workload.spec.template.metadata.labels),
      );
      expect(spreads, `${workload.kind} ${workload.metadata.name}`).toBe(true);
      if (workload.kind === "StatefulSet")
        expect(anti.requiredDuringSchedulingIgnoredDuringExecution, workload.metadata.name).toHaveLength(1);
    }
  });
});
