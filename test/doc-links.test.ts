import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The docs stand alone: every relative link of a Markdown file points at a file of the repository,
// and none leaves it (../shared, an absolute path on some machine).
const root = fileURLToPath(new URL("../", import.meta.url));
const skip = new Set(["node_modules", "dist", ".git", ".turbo", "tmp", "test-artifacts", "coverage"]);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (skip.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith(".md") ? [path] : [];
  });
}

describe("documentation links", () => {
  const files = markdownFiles(root);

  it("finds the docs", () => {
    expect(files.map((file) => relative(root, file))).toEqual(
      expect.arrayContaining(["README.md", "docs/architecture.md", "sdk/README.md"]),
    );
  });

  it("point at files inside the repository that exist", () => {
    const broken: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, "utf8").replace(/^```[\s\S]*?^```/gm, "");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!) || target!.startsWith("#")) continue;
        const path = target!.split("#")[0]!;
        const resolved = path.startsWith("/") ? path : resolve(file, "..", path);
        const where = `${relative(root, file)}: ${target}`;
        if (relative(root, resolved).startsWith("..") || path.startsWith("/"))
          broken.push(`${where} (outside the repository)`);
        else if (!existsSync(resolved)) broken.push(`${where} (missing)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
