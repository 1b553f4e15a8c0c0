// Benchmarks measure packages as their users get them: through their entry points
// (@platform-metrics/sdk/line-protocol, @platform-metrics/testing, ...), never a module inside dist/.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const bench = fileURLToPath(new URL("../bench/", import.meta.url));

describe("bench/", () => {
  const scripts = readdirSync(bench).filter((name) => name.endsWith(".mjs"));

  it.each(scripts)("%s imports only package entry points and Node's own modules", (name) => {
    const { importedFiles } = ts.preProcessFile(readFileSync(`${bench}${name}`, "utf8"), true, true);
    const internals = importedFiles
      .map((i) => i.fileName)
      .filter((path) => path.startsWith(".") || path.includes("/dist/"));
    expect(internals).toEqual([]);
  });

  it("reads the imports (the check can fail)", () => {
    const { importedFiles } = ts.preProcessFile('import { x } from "../sdk/dist/log.js";', true, true);
    expect(importedFiles.map((i) => i.fileName)).toEqual(["../sdk/dist/log.js"]);
  });
});
