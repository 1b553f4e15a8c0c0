import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { builtinResources } from "../src/kube/resources.js";

const CLUSTER_ROLE = fileURLToPath(new URL("../../../deploy/k8s-api/clusterrole.yaml", import.meta.url));

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

describe("deploy/k8s-api ClusterRole", () => {
  const rules = (parse(readFileSync(CLUSTER_ROLE, "utf8")) as { rules: Rule[] }).rules;
  const granted = rules.flatMap((rule) =>
    rule.apiGroups.flatMap((group) =>
      rule.resources.map((resource) => ({
        name: group === "" ? resource : `${resource}.${group}`,
        verbs: rule.verbs,
      })),
    ),
  );

  it("grants only get, list and watch", () => {
    for (const rule of rules) expect(rule.verbs.sort()).toEqual(["get", "list", "watch"]);
  });

  it("grants exactly the resources the collector follows", () => {
    const followed = Object.values(builtinResources("x")).map((spec) => spec.name);
    expect(granted.map((grant) => grant.name).sort()).toEqual(followed.sort());
  });
});
