import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lint, repoRoot, typeCheck } from "./helpers/typescript.js";

// Every ```ts block of the README whose fence names a file (```ts src/collector.ts) is written to a
// scratch package under the repository's ignored tmp/, then compiled against the SDK's source and
// checked by biome with the repository's settings: a snippet must work when copied as written.
const readme = readFileSync(join(repoRoot, "sdk/README.md"), "utf8");
const blocks = [...readme.matchAll(/^```ts(?: (\S+))?\n([\s\S]*?)^```$/gm)].map((match) => ({
  file: match[1],
  code: match[2]!,
}));
const scratch = join(repoRoot, "tmp", `sdk-readme-${process.pid}`);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the SDK README's TypeScript snippets", () => {
  it("each name the file they belong in", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    expect(blocks.filter((block) => block.file === undefined)).toEqual([]);
  });

  it("compile and pass the linter as written", () => {
    mkdirSync(scratch, { recursive: true });
    for (const { file, code } of blocks) {
      mkdirSync(dirname(join(scratch, file!)), { recursive: true });
      writeFileSync(join(scratch, file!), code);
    }
    writeFileSync(join(scratch, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(
      join(scratch, "tsconfig.json"),
      JSON.stringify({
        extends: join(repoRoot, "tsconfig.base.json"),
        compilerOptions: {
          noEmit: true,
          rootDir: repoRoot,
          paths: {
            "@platform-metrics/sdk": [join(repoRoot, "sdk/src/index.ts")],
            "@platform-metrics/sdk/http": [join(repoRoot, "sdk/src/http/index.ts")],
            "@platform-metrics/sdk/kube": [join(repoRoot, "sdk/src/kube/index.ts")],
          },
        },
        include: ["**/*.ts"],
      }),
    );
    const compiled = typeCheck(join(scratch, "tsconfig.json"));
    expect(compiled.output).toBe("");
    expect(compiled.code).toBe(0);
    const linted = lint(blocks.map((block) => join(scratch, block.file!)));
    expect(linted.code, linted.output).toBe(0);
    expect(linted.output).not.toMatch(/Found \d+ (error|warning)/);
  });
});
