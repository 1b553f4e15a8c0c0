// Objects shaped as the Kubernetes API serves them (the fields of the API reference that a cluster
// fills in), for tests to store in the test API server. Each takes the few values a test varies.
import type { KubeObject } from "./store.js";

const TIME = "2026-01-05T10:00:00Z";

export function namespaceObject(name: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels } },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

export interface NodeOptions {
  cpu?: string;
  allocatableCpu?: string;
  memory?: string;
  allocatableMemory?: string;
  pods?: string;
  ready?: boolean;
  unschedulable?: boolean;
}

export function nodeObject(name: string, options: NodeOptions = {}): KubeObject {
  const condition = (type: string, status: string, reason: string) => ({
    type,
    status,
    reason,
    message: reason,
    lastHeartbeatTime: TIME,
    lastTransitionTime: TIME,
  });
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64" },
    },
    spec: { podCIDR: "10.244.0.0/24", ...(options.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity: {
        cpu: options.cpu ?? "4",
        memory: options.memory ?? "16393204Ki",
        pods: options.pods ?? "110",
        "ephemeral-storage": "102625208Ki",
      },
      allocatable: {
        cpu: options.allocatableCpu ?? "3920m",
        memory: options.allocatableMemory ?? "15242164Ki",
        pods: options.pods ?? "110",
        "ephemeral-storage": "94580335255",
      },
      conditions: [
        condition("MemoryPressure", "False", "KubeletHasSufficientMemory"),
        condition("DiskPressure", "False", "KubeletHasNoDiskPressure"),
        condition("PIDPressure", "False", "KubeletHasSufficientPID"),
        condition(
          "Ready",
          options.ready === false ? "False" : "True",
          options.ready === false ? "KubeletNotReady" : "KubeletReady",
        ),
      ],
      addresses: [
        { type: "InternalIP", address: "10.0.0.10" },
        { type: "Hostname", address: name },
      ],
      nodeInfo: {
        kubeletVersion: "v1.32.0",
        containerRuntimeVersion: "containerd://1.7.24",
        kernelVersion: "6.1.0-28-amd64",
        osImage: "Debian GNU/Linux 12 (bookworm)",
        operatingSystem: "linux",
        architecture: "amd64",
      },
    },
  };
}

export interface PodOptions {
  phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
  ready?: boolean;
  restarts?: number;
  /** A container waiting with this reason, e.g. CrashLoopBackOff. */
  waiting?: string;
  node?: string;
  containers?: number;
  annotations?: Record<string, string>;
  /** Ports of the first container: name -> containerPort. */
  ports?: Record<string, number>;
  podIP?: string;
}

export function podObject(namespace: string, name: string, options: PodOptions = {}): KubeObject {
  const phase = options.phase ?? "Running";
  const ready = options.ready ?? (phase === "Running" && options.waiting === undefined);
  const containers = Array.from({ length: options.containers ?? 1 }, (_, i) => `app${i === 0 ? "" : i}`);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      labels: { app: name.replace(/-[a-z0-9]+$/, "") },
      ...(options.annotations ? { annotations: options.annotations } : {}),
    },
    spec: {
      containers: containers.map((container, i) => ({
        name: container,
        image: "registry.example/app:1.4.2",
        ...(i === 0 && options.ports
          ? {
              ports: Object.entries(options.ports).map(([portName, containerPort]) => ({
                name: portName,
                containerPort,
                protocol: "TCP",
              })),
            }
          : {}),
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
      })),
      restartPolicy: "Always",
      serviceAccountName: "default",
      ...(options.node ? { nodeName: options.node } : {}),
    },
    status: {
      phase,
      conditions: [
        { type: "PodScheduled", status: "True", lastTransitionTime: TIME },
        { type: "Initialized", status: "True", lastTransitionTime: TIME },
        { type: "ContainersReady", status: ready ? "True" : "False", lastTransitionTime: TIME },
        { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: TIME },
      ],
      hostIP: "10.0.0.10",
      podIP: options.podIP ?? "10.244.0.17",
      startTime: TIME,
      qosClass: "Burstable",
      containerStatuses: containers.map((container, i) => ({
        name: container,
        image: "registry.example/app:1.4.2",
        imageID: "registry.example/app@sha256:4c1e",
        containerID: "containerd://9f3a",
        ready: ready,
        started: options.waiting === undefined || i > 0,
        restartCount: i === 0 ? (options.restarts ?? 0) : 0,
        state:
          options.waiting !== undefined && i === 0
            ? {
                waiting: {
                  reason: options.waiting,
                  message: `back-off restarting failed container ${container}`,
                },
              }
            : { running: { startedAt: TIME } },
      })),
    },
  };
}

export interface ServiceOptions {
  annotations?: Record<string, string>;
  /** name -> port */
  ports?: Record<string, number>;
  /** "None" for a headless service. */
  clusterIP?: string;
}

export function serviceObject(namespace: string, name: string, options: ServiceOptions = {}): KubeObject {
  const clusterIP = options.clusterIP ?? "10.96.0.20";
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name,
      namespace,
      labels: { app: name },
      ...(options.annotations ? { annotations: options.annotations } : {}),
    },
    spec: {
      type: "ClusterIP",
      selector: { app: name },
      clusterIP,
      clusterIPs: [clusterIP],
      ipFamilies: ["IPv4"],
      ports: Object.entries(options.ports ?? { http: 80 }).map(([portName, port]) => ({
        name: portName,
        protocol: "TCP",
        port,
        targetPort: port,
      })),
      sessionAffinity: "None",
    },
    status: { loadBalancer: {} },
  };
}

export interface WorkloadOptions {
  replicas?: number;
  ready?: number;
  available?: number;
  updated?: number;
  /** status.observedGeneration (default the object's generation, 1 on create). */
  observedGeneration?: number;
}

function podTemplate(app: string) {
  return {
    metadata: { labels: { app } },
    spec: { containers: [{ name: "app", image: "registry.example/app:1.4.2" }] },
  };
}

export function deploymentObject(namespace: string, name: string, options: WorkloadOptions = {}): KubeObject {
  const replicas = options.replicas ?? 1;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: podTemplate(name),
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
    },
    status: {
      observedGeneration: options.observedGeneration ?? 1,
      replicas,
      readyReplicas: options.ready ?? replicas,
      availableReplicas: options.available ?? options.ready ?? replicas,
      updatedReplicas: options.updated ?? replicas,
      conditions: [
        { type: "Available", status: "True", reason: "MinimumReplicasAvailable", lastTransitionTime: TIME },
      ],
    },
  };
}

export function statefulSetObject(
  namespace: string,
  name: string,
  options: WorkloadOptions = {},
): KubeObject {
  const replicas = options.replicas ?? 1;
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: podTemplate(name),
    },
    status: {
      observedGeneration: options.observedGeneration ?? 1,
      replicas,
      readyReplicas: options.ready ?? replicas,
      availableReplicas: options.available ?? options.ready ?? replicas,
      currentReplicas: replicas,
      updatedReplicas: options.updated ?? replicas,
      currentRevision: `${name}-7d9f8c`,
      updateRevision: `${name}-7d9f8c`,
    },
  };
}

export function daemonSetObject(
  namespace: string,
  name: string,
  options: WorkloadOptions & { desired?: number } = {},
): KubeObject {
  const desired = options.desired ?? options.replicas ?? 3;
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace, labels: { app: name } },
    spec: { selector: { matchLabels: { app: name } }, template: podTemplate(name) },
    status: {
      observedGeneration: options.observedGeneration ?? 1,
      currentNumberScheduled: desired,
      desiredNumberScheduled: desired,
      numberMisscheduled: 0,
      numberReady: options.ready ?? desired,
      numberAvailable: options.available ?? options.ready ?? desired,
      updatedNumberScheduled: options.updated ?? desired,
    },
  };
}

export function jobObject(
  namespace: string,
  name: string,
  options: { active?: number; succeeded?: number; failed?: number } = {},
): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace, labels: { "job-name": name } },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      template: { ...podTemplate(name), spec: { ...podTemplate(name).spec, restartPolicy: "Never" } },
    },
    status: {
      startTime: TIME,
      ...(options.active ? { active: options.active } : {}),
      ...(options.succeeded ? { succeeded: options.succeeded } : {}),
      ...(options.failed ? { failed: options.failed } : {}),
    },
  };
}

export function pvcObject(
  namespace: string,
  name: string,
  options: { storage?: string; storageClass?: string; phase?: "Pending" | "Bound" | "Lost" } = {},
): KubeObject {
  const storage = options.storage ?? "10Gi";
  const phase = options.phase ?? "Bound";
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage } },
      ...(options.storageClass !== undefined ? { storageClassName: options.storageClass } : {}),
      volumeMode: "Filesystem",
      ...(phase === "Bound" ? { volumeName: `pvc-${name}` } : {}),
    },
    status: {
      phase,
      ...(phase === "Bound" ? { accessModes: ["ReadWriteOnce"], capacity: { storage } } : {}),
    },
  };
}

export function eventObject(
  namespace: string,
  name: string,
  options: { reason?: string; type?: "Normal" | "Warning"; count?: number; involved?: string } = {},
): KubeObject {
  const involved = options.involved ?? "web-5d8f9";
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name, namespace },
    involvedObject: {
      kind: "Pod",
      namespace,
      name: involved,
      apiVersion: "v1",
      fieldPath: "spec.containers{app}",
    },
    reason: options.reason ?? "BackOff",
    message: "Back-off restarting failed container app",
    source: { component: "kubelet", host: "node-1" },
    firstTimestamp: TIME,
    lastTimestamp: TIME,
    count: options.count ?? 1,
    type: options.type ?? "Warning",
    reportingComponent: "kubelet",
    reportingInstance: "node-1",
  };
}

/** A custom resource with a spec and a status.observedGeneration, as a typical operator writes it. */
export function customObject(
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
  options: { spec?: Record<string, unknown>; observedGeneration?: number } = {},
): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: { name, namespace },
    spec: options.spec ?? { size: 1 },
    status: { observedGeneration: options.observedGeneration ?? 1, conditions: [] },
  };
}
