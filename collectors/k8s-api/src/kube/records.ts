// What the collector keeps of each object: only the fields its measurements use, so a cluster of
// 50,000 pods costs a few MB. Each function reads one kind; a Malformed error skips the object.

import {
  array,
  count,
  type Json,
  Malformed,
  object,
  optionalCount,
  optionalObject,
  optionalString,
  string,
} from "@platform-metrics/sdk/kube";
import { cpuCores, integerQuantity } from "../quantity.js";

export interface PodRecord {
  namespace: string;
  phase: string;
  ready: boolean;
  restarts: number;
  /** Reasons of containers that are waiting (CrashLoopBackOff, ...); undefined when none is. */
  waiting: string[] | undefined;
}

export interface NodeRecord {
  name: string;
  cpuCapacity: number;
  cpuAllocatable: number;
  memoryCapacity: bigint;
  memoryAllocatable: bigint;
  podsAllocatable: bigint;
  ready: boolean;
  unschedulable: boolean;
}

export type WorkloadKind = "Deployment" | "StatefulSet" | "DaemonSet";

export interface WorkloadRecord extends Generations {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  desired: number;
  ready: number;
  available: number;
  updated: number;
}

/** metadata.generation and status.observedGeneration: what reconcile latency is measured from. */
export interface Generations {
  generation: number;
  observedGeneration: number | undefined;
}

export interface CustomRecord extends Generations {
  namespace: string | undefined;
}

export interface JobRecord {
  namespace: string;
  active: number;
  succeeded: number;
  failed: number;
}

export interface PvcRecord {
  namespace: string;
  phase: string;
  storageClass: string | undefined;
  requestedBytes: bigint;
}

export interface EventRecord {
  namespace: string;
  type: string;
  reason: string;
  count: number;
}

export interface NamespaceRecord {
  name: string;
  /** The raw value of the org label, checked when used. */
  orgLabel: string | undefined;
}

function metadata(raw: unknown): Json {
  return object(object(raw, "object").metadata, "metadata");
}

export function podRecord(raw: unknown): PodRecord {
  const meta = metadata(raw);
  const status = object((raw as Json).status, "status");
  let restarts = 0;
  let waiting: string[] | undefined;
  const statuses = [
    ...array(status.initContainerStatuses, "status.initContainerStatuses"),
    ...array(status.containerStatuses, "status.containerStatuses"),
  ];
  for (const entry of statuses) {
    const container = object(entry, "status.containerStatuses[]");
    restarts += count(container.restartCount, "restartCount");
    const waitingState = optionalObject(optionalObject(container.state, "state")?.waiting, "state.waiting");
    const reason = waitingState && optionalString(waitingState.reason, "state.waiting.reason");
    if (reason === undefined) continue;
    if (waiting === undefined) waiting = [reason];
    else waiting.push(reason);
  }
  return {
    namespace: string(meta.namespace, "metadata.namespace"),
    phase: string(status.phase, "status.phase"),
    ready: conditionTrue(status, "Ready"),
    restarts,
    waiting,
  };
}

export function nodeRecord(raw: unknown): NodeRecord {
  const meta = metadata(raw);
  const spec = object((raw as Json).spec ?? {}, "spec");
  const status = object((raw as Json).status, "status");
  const capacity = object(status.capacity, "status.capacity");
  const allocatable = object(status.allocatable, "status.allocatable");
  return {
    name: string(meta.name, "metadata.name"),
    cpuCapacity: cores(capacity.cpu, "status.capacity.cpu"),
    cpuAllocatable: cores(allocatable.cpu, "status.allocatable.cpu"),
    memoryCapacity: bytes(capacity.memory, "status.capacity.memory"),
    memoryAllocatable: bytes(allocatable.memory, "status.allocatable.memory"),
    podsAllocatable: bytes(allocatable.pods, "status.allocatable.pods"),
    ready: conditionTrue(status, "Ready"),
    unschedulable: spec.unschedulable === true,
  };
}

export function workloadRecord(kind: WorkloadKind) {
  return (raw: unknown): WorkloadRecord => {
    const meta = metadata(raw);
    const spec = object((raw as Json).spec, "spec");
    const status = object((raw as Json).status, "status");
    const base = {
      kind,
      namespace: string(meta.namespace, "metadata.namespace"),
      name: string(meta.name, "metadata.name"),
      ...generations(raw),
    };
    if (kind === "DaemonSet") {
      return {
        ...base,
        desired: count(status.desiredNumberScheduled, "status.desiredNumberScheduled"),
        ready: count(status.numberReady, "status.numberReady"),
        available: count(status.numberAvailable, "status.numberAvailable"),
        updated: count(status.updatedNumberScheduled, "status.updatedNumberScheduled"),
      };
    }
    return {
      ...base,
      // spec.replicas defaults to 1 when unset.
      desired: spec.replicas === undefined ? 1 : count(spec.replicas, "spec.replicas"),
      ready: count(status.readyReplicas, "status.readyReplicas"),
      available: count(status.availableReplicas, "status.availableReplicas"),
      updated: count(status.updatedReplicas, "status.updatedReplicas"),
    };
  };
}

export function generations(raw: unknown): Generations {
  const meta = metadata(raw);
  const status = (raw as Json).status;
  const generation = optionalCount(meta.generation, "metadata.generation");
  if (generation === undefined) throw new Malformed("metadata.generation missing");
  return {
    generation,
    observedGeneration:
      status === undefined || status === null
        ? undefined
        : optionalCount(object(status, "status").observedGeneration, "status.observedGeneration"),
  };
}

export function customRecord(raw: unknown): CustomRecord {
  const meta = metadata(raw);
  return { namespace: optionalString(meta.namespace, "metadata.namespace"), ...generations(raw) };
}

export function jobRecord(raw: unknown): JobRecord {
  const meta = metadata(raw);
  const status = object((raw as Json).status, "status");
  return {
    namespace: string(meta.namespace, "metadata.namespace"),
    active: count(status.active, "status.active"),
    succeeded: count(status.succeeded, "status.succeeded"),
    failed: count(status.failed, "status.failed"),
  };
}

export function pvcRecord(raw: unknown): PvcRecord {
  const meta = metadata(raw);
  const spec = object((raw as Json).spec, "spec");
  const status = object((raw as Json).status, "status");
  const requests = object(object(spec.resources, "spec.resources").requests, "spec.resources.requests");
  return {
    namespace: string(meta.namespace, "metadata.namespace"),
    phase: string(status.phase, "status.phase"),
    storageClass: optionalString(spec.storageClassName, "spec.storageClassName"),
    requestedBytes: bytes(requests.storage, "spec.resources.requests.storage"),
  };
}

export function eventRecord(raw: unknown): EventRecord {
  const meta = metadata(raw);
  const event = raw as Json;
  return {
    namespace: string(meta.namespace, "metadata.namespace"),
    type: string(event.type, "type"),
    reason: string(event.reason, "reason"),
    // Events of the newer API (series) may leave count unset: one occurrence.
    count: Math.max(1, count(event.count, "count")),
  };
}

export function namespaceRecord(raw: unknown, orgLabel: string): NamespaceRecord {
  const meta = metadata(raw);
  const labels = meta.labels === undefined ? {} : object(meta.labels, "metadata.labels");
  const org = labels[orgLabel];
  return { name: string(meta.name, "metadata.name"), orgLabel: typeof org === "string" ? org : undefined };
}

function conditionTrue(status: Json, type: string): boolean {
  for (const entry of array(status.conditions, "status.conditions")) {
    const condition = object(entry, "status.conditions[]");
    if (condition.type === type) return condition.status === "True";
  }
  return false;
}

function cores(value: unknown, field: string): number {
  const parsed = cpuCores(value);
  if (parsed === undefined || parsed < 0)
    throw new Malformed(`${field} ${JSON.stringify(value)} is not a quantity`);
  return parsed;
}

function bytes(value: unknown, field: string): bigint {
  const parsed = integerQuantity(value);
  if (parsed === undefined || parsed < 0n)
    throw new Malformed(`${field} ${JSON.stringify(value)} is not a quantity`);
  return parsed;
}
