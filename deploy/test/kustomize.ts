import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

export const DEPLOY = fileURLToPath(new URL("..", import.meta.url));

/** A Kubernetes object as rendered: only what every one has is typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML, checked field by field by the rules
  [field: string]: any;
}

// kustomize v5 (kubectl 1.27+): `replicas`, `labels` and $patch in strategic merges as the overlays
// use them. Debian's kubernetes-client (1.20) bundles kustomize v2, which renders them wrongly or not at all.
const MIN_KUSTOMIZE_MAJOR = 5;
const CANDIDATES = [
  process.env.KUBECTL,
  "kubectl",
  "/usr/bin/kubectl",
  "/usr/local/bin/kubectl",
  "/usr/lib/google-cloud-sdk/bin/kubectl",
];

function kustomizeMajor(kubectl: string): number | undefined {
  try {
    const out = execFileSync(kubectl, ["version", "--client", "-o", "json"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    const match = /^v?(\d+)\./.exec(String(JSON.parse(out).kustomizeVersion ?? ""));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

let found: string | undefined;

/**
 * A kubectl whose built-in kustomize is v5 or later, or an error that says how to get one. The
 * tests fail rather than skip without it: manifests that were never rendered are not checked.
 */
export function findKubectl(): string {
  if (found) return found;
  const tried: string[] = [];
  for (const candidate of CANDIDATES) {
    if (!candidate) continue;
    const major = kustomizeMajor(candidate);
    if (major !== undefined && major >= MIN_KUSTOMIZE_MAJOR) {
      found = candidate;
      return candidate;
    }
    tried.push(`${candidate}: ${major === undefined ? "not found" : `kustomize v${major}`}`);
  }
  throw new Error(
    `no kubectl with kustomize v${MIN_KUSTOMIZE_MAJOR}+ found (${tried.join("; ")}). Install kubectl 1.27 or later ` +
      "(or set KUBECTL to one); Debian's kubernetes-client bundles kustomize v2, too old for these manifests.",
  );
}

/** `kubectl kustomize <dir>`, parsed: every object it renders. */
export function render(dir: string): K8sObject[] {
  const out = execFileSync(findKubectl(), ["kustomize", dir], {
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseObjects(out, dir);
}

export function parseObjects(text: string, where: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

/** Every folder with a kustomization: a new piece's folder is found and checked without a change here. */
export function kustomizations(): { pieces: string[]; overlays: string[] } {
  const withKustomization = (dir: string) =>
    readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "kustomization.yaml")))
      .map((entry) => entry.name)
      .sort();
  return { pieces: withKustomization(DEPLOY), overlays: withKustomization(join(DEPLOY, "overlays")) };
}
