import type { K8sObject } from "./kustomize.js";

// biome-ignore lint/suspicious/noExplicitAny: rendered YAML, read field by field
type Any = any;

/** Images built from deploy/Dockerfile: they serve /healthz and /readyz and read PM_* settings. */
export const OWN_IMAGE = /^platform-metrics\//;

/** What reading another process's /proc entries may need (collectors/perf/README.md); nothing else. */
const ALLOWED_CAPABILITIES: Record<string, string[]> = {
  "platform-metrics/perf": ["SYS_PTRACE", "DAC_READ_SEARCH"],
};

export interface PodTemplate {
  /** "Deployment pm-relay" */
  owner: string;
  object: K8sObject;
  spec: Any;
  replicas: number;
}

/** The pod template of every workload, however deep (a CronJob's is in its jobTemplate). */
export function podTemplates(objects: K8sObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const object of objects) {
    const owner = `${object.kind} ${object.metadata.name}`;
    const template =
      object.kind === "CronJob" ? object.spec?.jobTemplate?.spec?.template : object.spec?.template;
    if (object.kind === "Pod") out.push({ owner, object, spec: object.spec, replicas: 1 });
    else if (template?.spec)
      out.push({ owner, object, spec: template.spec, replicas: object.spec.replicas ?? 1 });
  }
  return out;
}

/** Go-style durations as PM_* takes them: 10s, 1m30s, 500ms. */
export function seconds(duration: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  let total = 0;
  const parts = duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g);
  let matched = "";
  for (const [text, value, unit] of parts) {
    total += Number(value) * units[unit!]!;
    matched += text;
  }
  if (matched !== duration) throw new Error(`not a duration: ${JSON.stringify(duration)}`);
  return total;
}

function env(container: Any, name: string): string | undefined {
  return (container.env ?? []).find((e: Any) => e.name === name)?.value;
}

function imageName(image: string): string {
  return image.replace(/@sha256:[0-9a-f]{64}$/, "").replace(/:[^:/]+$/, "");
}

/** The rules every container of every workload must keep; returns what breaks them. */
export function containerProblems(pod: PodTemplate): string[] {
  const problems: string[] = [];
  const podSecurity = pod.spec.securityContext ?? {};
  const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
  const containers: Any[] = [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])];
  for (const c of containers) {
    const at = `${pod.owner}, container ${c.name}`;
    const fail = (what: string) => problems.push(`${at}: ${what}`);
    const image: string = c.image ?? "";
    if (!/:[^:/]+$/.test(image.replace(/@sha256:[0-9a-f]{64}$/, "")) || /:latest$/.test(image))
      fail(`image ${JSON.stringify(image)} has no pinned tag`);

    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    if (requests.cpu === undefined || requests.memory === undefined) fail("needs cpu and memory requests");
    if (limits.memory === undefined) fail("needs a memory limit");

    const security = c.securityContext ?? {};
    const runAsNonRoot = security.runAsNonRoot ?? podSecurity.runAsNonRoot;
    const runAsUser = security.runAsUser ?? podSecurity.runAsUser;
    if (runAsNonRoot !== true) fail("needs runAsNonRoot: true");
    if (runAsUser === 0) fail("runs as user 0");
    if (security.readOnlyRootFilesystem !== true) fail("needs readOnlyRootFilesystem: true");
    if (security.allowPrivilegeEscalation !== false) fail("needs allowPrivilegeEscalation: false");
    if (security.privileged === true) fail("is privileged");
    if (!(security.capabilities?.drop ?? []).includes("ALL")) fail("must drop ALL capabilities");
    const allowed = ALLOWED_CAPABILITIES[imageName(image)] ?? [];
    for (const cap of security.capabilities?.add ?? [])
      if (!allowed.includes(cap)) fail(`adds capability ${cap} (allowed: ${allowed.join(", ") || "none"})`);

    const ports = new Set((c.ports ?? []).flatMap((p: Any) => [p.name, p.containerPort]));
    for (const [kind, path] of [
      ["livenessProbe", "/healthz"],
      ["readinessProbe", "/readyz"],
    ] as const) {
      const get = c[kind]?.httpGet;
      if (!get) {
        fail(`needs an HTTP ${kind}`);
        continue;
      }
      if (!ports.has(get.port))
        fail(`${kind} port ${JSON.stringify(get.port)} is not a port of the container`);
      if (OWN_IMAGE.test(image) && get.path !== path) fail(`${kind} must GET ${path}, not ${get.path}`);
    }

    if (OWN_IMAGE.test(image)) {
      // The process may take PM_SHUTDOWN_TIMEOUT (default 10 s) to stop; the gateway lets queries in
      // flight run up to PM_GATEWAY_QUERY_TIMEOUT.
      const stop = Math.max(
        seconds(env(c, "PM_SHUTDOWN_TIMEOUT") ?? "10s"),
        seconds(env(c, "PM_GATEWAY_QUERY_TIMEOUT") ?? "0s"),
      );
      if (!(grace > stop))
        fail(`terminationGracePeriodSeconds ${grace} is not above its shutdown time ${stop} s`);
    }
  }
  return problems;
}

function bindsServiceAccount(objects: K8sObject[], name: string): boolean {
  return objects.some(
    (o) =>
      (o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding") &&
      (o.subjects ?? []).some((s: Any) => s.kind === "ServiceAccount" && s.name === name),
  );
}

/**
 * Identity and API access: our pods run under a ServiceAccount of their own that the render defines;
 * a pod gets an API token only when its ServiceAccount is bound to a role; roles only read.
 */
export function accessProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const pod of podTemplates(objects)) {
    const own = (pod.spec.containers ?? []).some((c: Any) => OWN_IMAGE.test(c.image ?? ""));
    const account: string = pod.spec.serviceAccountName ?? "default";
    if (own) {
      if (account === "default") problems.push(`${pod.owner}: needs a ServiceAccount of its own`);
      else if (!objects.some((o) => o.kind === "ServiceAccount" && o.metadata.name === account))
        problems.push(`${pod.owner}: ServiceAccount ${account} is not defined beside it`);
    }
    if (!bindsServiceAccount(objects, account) && pod.spec.automountServiceAccountToken !== false)
      problems.push(`${pod.owner}: reads no API, so needs automountServiceAccountToken: false`);
  }
  for (const role of objects.filter((o) => o.kind === "Role" || o.kind === "ClusterRole"))
    for (const rule of role.rules ?? [])
      for (const verb of rule.verbs ?? [])
        if (!["get", "list", "watch"].includes(verb))
          problems.push(`${role.kind} ${role.metadata.name}: verb ${verb} (only get, list, watch)`);
  return problems;
}

/** Every Secret, ConfigMap and key a pod refers to, as "Secret name/key" or "ConfigMap name". */
export function references(pod: PodTemplate): string[] {
  const out: string[] = [];
  for (const c of [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])]) {
    for (const e of c.env ?? []) {
      const secret = e.valueFrom?.secretKeyRef;
      if (secret) out.push(`Secret ${secret.name}/${secret.key}`);
      const config = e.valueFrom?.configMapKeyRef;
      if (config) out.push(`ConfigMap ${config.name}/${config.key}`);
    }
  }
  for (const v of pod.spec.volumes ?? []) {
    if (v.secret) out.push(`Secret ${v.secret.secretName}`);
    if (v.configMap) out.push(`ConfigMap ${v.configMap.name}`);
  }
  return out;
}

/** Whether `objects` hold what a reference names (and the key, when it names one). */
export function resolves(reference: string, objects: K8sObject[]): boolean {
  const [, kind, name, key] = /^(\w+) ([^/]+)(?:\/(.+))?$/.exec(reference)!;
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!object) return false;
  if (key === undefined) return true;
  return key in { ...(object.data ?? {}), ...(object.stringData ?? {}) };
}

export function selects(selector: Any, labels: Record<string, string> | undefined): boolean {
  const match: Record<string, string> = selector?.matchLabels ?? {};
  return Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels?.[k] === v);
}
