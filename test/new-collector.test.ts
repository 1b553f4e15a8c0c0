import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

// The scaffold runs against a scratch checkout (--root): the repository's package.json, lock file and
// configs copied, its SDK and node_modules linked in. The test changes nothing in the repository,
// and other tests running beside it never see a half-made collector.
const repo = fileURLToPath(new URL("../", import.meta.url));
const name = "demo-thing";
let root: string;

function run(command: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 180_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const scaffold = (...args: string[]) =>
  run(process.execPath, [join(repo, "scripts/new-collector.mjs"), ...args, "--root", root]);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "pm-new-collector-"));
  for (const file of ["package.json", "package-lock.json", "tsconfig.base.json", "biome.json"]) {
    copyFileSync(join(repo, file), join(root, file));
  }
  symlinkSync(join(repo, "sdk"), join(root, "sdk"));
  // node_modules: a folder of links to the repository's entries, so what the scaffold adds stays here.
  // The two folders the scaffold writes into are real folders here, not links to the repository's.
  const own = ["@platform-metrics", ".bin"];
  for (const scope of ["", ...own]) {
    mkdirSync(join(root, "node_modules", scope), { recursive: true });
    for (const entry of readdirSync(join(repo, "node_modules", scope))) {
      if (scope === "" && own.includes(entry)) continue;
      symlinkSync(join(repo, "node_modules", scope, entry), join(root, "node_modules", scope, entry));
    }
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("npm run new-collector", () => {
  it("scaffolds, builds and links a collector whose bin runs through npx at once", () => {
    const made = scaffold(name, "--description", "Counts demo things");
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    for (const file of [
      "package.json",
      "tsconfig.json",
      "tsconfig.build.json",
      "src/collector.ts",
      "src/config.ts",
      "src/measurements.ts",
      "src/collect.ts",
      "src/bin.ts",
      "src/index.ts",
      "test/collector.test.ts",
      "README.md",
      "dist/bin.js",
    ]) {
      expect(existsSync(join(root, "collectors", name, file)), file).toBe(true);
    }
    const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
    expect(lock.packages[`collectors/${name}`].bin).toEqual({ [`pm-collector-${name}`]: "dist/bin.js" });
    expect(lock.packages[`node_modules/@platform-metrics/collector-${name}`]).toEqual({
      resolved: `collectors/${name}`,
      link: true,
    });

    // --offline: any registry request fails; --no: never install. A clean environment: npm's own
    // variables from the test runner (npm_config_local_prefix) would point npx at the repository.
    const once = spawnSync("npx", ["--offline", "--no", "--", `pm-collector-${name}`, "--once"], {
      cwd: root,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        PM_SINK: "stdout",
        PM_HTTP_PORT: "0",
      },
      timeout: 60_000,
    });
    expect(once.status, once.stderr).toBe(0);
    expect(once.stdout).toMatch(
      /^demo_thing_reading,org=platform,source=demo-thing,target=example value=1,ok=true \d+$/m,
    );
  });

  it("writes a README with the generated tables, code that compiles and lints, and a passing test", () => {
    const readme = readFileSync(join(root, "collectors", name, "README.md"), "utf8");
    expect(readme).toContain("### `demo_thing_reading`");
    expect(readme).toContain("| `PM_TARGET` |  | string | `example` | what to measure |");
    const tsc = run(process.execPath, [
      join(repo, "node_modules/typescript/bin/tsc"),
      "-p",
      join(root, "collectors", name, "tsconfig.json"),
    ]);
    expect(tsc.stdout + tsc.stderr).toBe("");
    const lint = run(process.execPath, [
      join(repo, "node_modules/@biomejs/biome/bin/biome"),
      "check",
      "--colors=off",
      join("collectors", name),
    ]);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    const tests = run(process.execPath, [
      join(repo, "node_modules/vitest/vitest.mjs"),
      "run",
      "--root",
      join(root, "collectors", name),
    ]);
    expect(tests.code, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).toMatch(/2 passed/);
  });

  it("writes a deploy folder of valid manifests in the style of deploy/k8s-api", () => {
    const dir = join(root, "deploy", name);
    expect(readdirSync(dir).sort()).toEqual([
      "deployment.yaml",
      "kustomization.yaml",
      "pdb.yaml",
      "serviceaccount.yaml",
    ]);
    for (const file of readdirSync(dir)) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
        expect(doc.errors, file).toEqual([]);
      }
    }
    const deployment = readFileSync(join(dir, "deployment.yaml"), "utf8");
    expect(deployment).toContain(`secretKeyRef: { name: pm-nats-users, key: ${name} }`);
    expect(deployment).toContain("readOnlyRootFilesystem: true");
  });

  it("refuses a name that exists or breaks the rule, and changes nothing then", () => {
    const lockBefore = readFileSync(join(root, "package-lock.json"), "utf8");
    const again = scaffold(name);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`collectors/${name} exists already`);
    for (const bad of ["Demo", "9lives", "a--b", "x/../../etc", "ends-"]) {
      const refused = scaffold(bad);
      expect(refused.code, bad).toBe(2);
      expect(refused.stderr).toContain("expected lowercase letters");
    }
    expect(readFileSync(join(root, "package-lock.json"), "utf8")).toBe(lockBefore);
    expect(readdirSync(join(root, "collectors"))).toEqual([name]);
    // Nothing reached the repository's own node_modules or folders.
    expect(existsSync(join(repo, "node_modules/.bin", `pm-collector-${name}`))).toBe(false);
    expect(existsSync(join(repo, "node_modules/@platform-metrics", `collector-${name}`))).toBe(false);
    expect(existsSync(join(repo, "collectors", name))).toBe(false);
  });
});
