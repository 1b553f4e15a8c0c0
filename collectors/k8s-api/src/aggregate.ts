// Per-namespace sums of what the informers hold, computed each round: a pass over the records is
// cheap next to a list, and nothing has to be kept in step with every watch event.
import type { JobRecord, PodRecord, PvcRecord } from "./kube/records.js";

export function groupBy<T, A>(
  records: Iterable<T>,
  keyOf: (record: T) => string,
  start: (record: T) => A,
  add: (sum: A, record: T) => void,
): Map<string, A> {
  const sums = new Map<string, A>();
  for (const record of records) {
    const key = keyOf(record);
    let sum = sums.get(key);
    if (sum === undefined) {
      sum = start(record);
      sums.set(key, sum);
    }
    add(sum, record);
  }
  return sums;
}

export function podSums(pods: Iterable<PodRecord>) {
  return groupBy(
    pods,
    (pod) => `${pod.namespace}\u0000${pod.phase}`,
    (pod) => ({ namespace: pod.namespace, phase: pod.phase, count: 0, ready: 0, restarts: 0 }),
    (sum, pod) => {
      sum.count++;
      if (pod.ready) sum.ready++;
      sum.restarts += pod.restarts;
    },
  );
}

export function waitingSums(pods: Iterable<PodRecord>) {
  const sums = new Map<string, { namespace: string; reason: string; count: number }>();
  for (const pod of pods) {
    if (pod.waiting === undefined) continue;
    for (const reason of pod.waiting) {
      const key = `${pod.namespace}\u0000${reason}`;
      const sum = sums.get(key);
      if (sum) sum.count++;
      else sums.set(key, { namespace: pod.namespace, reason, count: 1 });
    }
  }
  return sums;
}

export function jobSums(jobs: Iterable<JobRecord>) {
  return groupBy(
    jobs,
    (job) => job.namespace,
    (job) => ({ namespace: job.namespace, active: 0, succeeded: 0, failed: 0 }),
    (sum, job) => {
      sum.active += job.active;
      sum.succeeded += job.succeeded;
      sum.failed += job.failed;
    },
  );
}

export function pvcSums(pvcs: Iterable<PvcRecord>) {
  return groupBy(
    pvcs,
    (pvc) => `${pvc.namespace}\u0000${pvc.phase}\u0000${pvc.storageClass ?? ""}`,
    (pvc) => ({
      namespace: pvc.namespace,
      phase: pvc.phase,
      storageClass: pvc.storageClass,
      count: 0,
      requestedBytes: 0n,
    }),
    (sum, pvc) => {
      sum.count++;
      sum.requestedBytes += pvc.requestedBytes;
    },
  );
}
