import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { discoveryResources } from "../src/discovery/follow.js";

const CLUSTER_ROLE = fileURLToPath(
  new URL("../../../deploy/component-status/clusterrole.yaml", import.meta.url),
);

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

describe("deploy/component-status ClusterRole", () => {
  const rules = (parse(readFileSync(CLUSTER_ROLE, "utf8")) as { rules: Rule[] }).rules;

  it("grants only get, list and watch, in the core group", () => {
    for (const rule of rules) {
      expect(rule.verbs.sort()).toEqual(["get", "list", "watch"]);
      expect(rule.apiGroups).toEqual([""]);
    }
  });

  it("grants exactly the resources discovery follows", () => {
    const followed = Object.values(discoveryResources("x")).map((spec) => spec.name);
    expect(rules.flatMap((rule) => rule.resources).sort()).toEqual(followed.sort());
  });
});
