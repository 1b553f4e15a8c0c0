// No module of any package imports itself back through others (scripts/check-import-cycles.mjs).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../scripts/check-import-cycles.mjs", import.meta.url));
const check = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: "utf8" });

describe("import circles", () => {
  const fixture = mkdtempSync(join(tmpdir(), "pm-cycles-"));
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));

  it("finds none in any package of this repository", () => {
    const result = check();
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/no import circles in \d+ modules of \d+ packages/);
  });

  it("names the files of a circle, type-only imports and imports between packages included", () => {
    const file = (path: string, text: string) => {
      mkdirSync(join(fixture, path, ".."), { recursive: true });
      writeFileSync(join(fixture, path), text);
    };
    file("package.json", JSON.stringify({ workspaces: ["a", "b"] }));
    file("a/package.json", JSON.stringify({ name: "@platform-metrics/a" }));
    file("b/package.json", JSON.stringify({ name: "@platform-metrics/b" }));
    file("a/src/index.ts", 'export { x } from "./x.js";\n');
    file("a/src/x.ts", 'import type { Y } from "./y.js";\nexport const x = 1;\n');
    file("a/src/y.ts", 'import { x } from "./x.js";\nexport type Y = typeof x;\n');
    file("b/src/index.ts", 'import { b } from "@platform-metrics/b/more";\nexport const c = b;\n');
    file("b/src/more/index.ts", 'import { c } from "@platform-metrics/b";\nexport const b = 1; void c;\n');
    const result = check(fixture);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("import circles (2)");
    expect(result.stderr).toContain("a/src/x.ts <-> a/src/y.ts");
    expect(result.stderr).toContain("b/src/index.ts <-> b/src/more/index.ts");
  });
});
