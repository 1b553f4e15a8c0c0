import { describe, expect, it } from "vitest";
import type { K8sObject } from "./kustomize.js";
import { accessProblems, containerProblems, podTemplates, seconds } from "./rules.js";
import { schemaProblems } from "./schema.js";

// The rules must catch what they are about: one compliant pod, then each rule broken on its own.
function deployment(container: Record<string, unknown>, pod: Record<string, unknown> = {}): K8sObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "pm-x" },
    spec: {
      selector: { matchLabels: { app: "x" } },
      template: {
        metadata: { labels: { app: "x" } },
        spec: {
          serviceAccountName: "pm-x",
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 20,
          securityContext: { runAsNonRoot: true, runAsUser: 1000 },
          containers: [
            {
              name: "x",
              image: "platform-metrics/x:0.1.0",
              env: [{ name: "PM_SHUTDOWN_TIMEOUT", value: "10s" }],
              ports: [{ name: "health", containerPort: 8080 }],
              livenessProbe: { httpGet: { path: "/healthz", port: "health" } },
              readinessProbe: { httpGet: { path: "/readyz", port: "health" } },
              resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
              ...container,
            },
          ],
          ...pod,
        },
      },
    },
  };
}
const account: K8sObject = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "pm-x" } };
const problems = (object: K8sObject) => podTemplates([object]).flatMap(containerProblems);

describe("deploy rules", () => {
  it("pass a compliant pod", () => {
    expect(problems(deployment({}))).toEqual([]);
    expect(accessProblems([deployment({}), account])).toEqual([]);
    expect(schemaProblems(deployment({}))).toEqual([]);
  });

  it.each([
    ["an unpinned image", { image: "platform-metrics/x" }, /no pinned tag/],
    ["latest", { image: "platform-metrics/x:latest" }, /no pinned tag/],
    ["no memory limit", { resources: { requests: { cpu: "1", memory: "1Gi" } } }, /memory limit/],
    [
      "a writable root",
      { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } },
      /readOnlyRootFilesystem/,
    ],
    [
      "an added capability",
      {
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"], add: ["NET_ADMIN"] },
        },
      },
      /adds capability NET_ADMIN/,
    ],
    [
      "root",
      {
        securityContext: {
          runAsUser: 0,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        },
      },
      /user 0/,
    ],
    [
      "a liveness probe elsewhere",
      { livenessProbe: { httpGet: { path: "/", port: "health" } } },
      /must GET \/healthz/,
    ],
    ["no readiness probe", { readinessProbe: undefined }, /readinessProbe/],
    [
      "a probe on an unknown port",
      { readinessProbe: { httpGet: { path: "/readyz", port: 9 } } },
      /not a port/,
    ],
    [
      "a shutdown longer than the grace",
      { env: [{ name: "PM_SHUTDOWN_TIMEOUT", value: "30s" }] },
      /not above its shutdown time 30/,
    ],
  ])("catch %s", (_, container, message) => {
    expect(problems(deployment(container as Record<string, unknown>)).join("\n")).toMatch(message);
  });

  it("let perf add only what reading other processes needs", () => {
    const perf = (add: string[]) =>
      problems(
        deployment({
          image: "platform-metrics/perf:0.1.0",
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"], add },
          },
        }),
      );
    expect(perf(["SYS_PTRACE", "DAC_READ_SEARCH"])).toEqual([]);
    expect(perf(["SYS_ADMIN"]).join()).toMatch(/SYS_ADMIN/);
  });

  it("catch a default ServiceAccount, a mounted token without a role, a role that writes", () => {
    expect(accessProblems([deployment({}, { serviceAccountName: undefined })]).join()).toMatch(
      /ServiceAccount of its own/,
    );
    expect(
      accessProblems([deployment({}, { automountServiceAccountToken: undefined }), account]).join(),
    ).toMatch(/automountServiceAccountToken/);
    const role: K8sObject = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "pm-x" },
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "delete"] }],
    };
    expect(accessProblems([role]).join()).toMatch(/verb delete/);
  });

  it("schema check catches a wrong type", () => {
    const bad = deployment({ name: 3 });
    expect(schemaProblems(bad).join()).toMatch(/name must be string/);
    expect(schemaProblems({ apiVersion: "example.com/v1", kind: "Thing", metadata: { name: "t" } })).toEqual([
      "no schema for example.com/v1 Thing",
    ]);
  });

  it("read PM_* durations", () => {
    expect(seconds("10s")).toBe(10);
    expect(seconds("1m30s")).toBe(90);
    expect(() => seconds("10")).toThrow(/not a duration/);
  });
});
