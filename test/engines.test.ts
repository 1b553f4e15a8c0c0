import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// npm warns EBADENGINE for a package whose `engines.node` the running Node does not meet. The code
// and CI run on Node 20 (root `engines`), so every locked package must accept its lowest version.
const root = new URL("../", import.meta.url);
const lock = JSON.parse(readFileSync(new URL("package-lock.json", root), "utf8")) as {
  packages: Record<string, { version?: string; engines?: { node?: string } }>;
};
const engines = JSON.parse(readFileSync(new URL("package.json", root), "utf8")).engines.node as string;

type Version = [number, number, number];

/** A partial version (`18`, `18.x`, `20.19`) as the lowest version it stands for and how many parts it gave. */
function parse(text: string): { version: Version; parts: number } {
  const parts = text.split(".").filter((part) => !/^[x*]$/i.test(part));
  const numbers = parts.map(Number);
  if (numbers.some((n) => !Number.isInteger(n))) throw new Error(`cannot read version ${text}`);
  return { version: [numbers[0] ?? 0, numbers[1] ?? 0, numbers[2] ?? 0], parts: parts.length };
}

const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

function meets(version: Version, comparator: string): boolean {
  const [, op = "", rest] = /^(>=|<=|>|<|=|\^|~)?\s*(.+)$/.exec(comparator)!;
  const { version: bound, parts } = parse(rest!);
  const upper = (index: number): Version =>
    index === 0 ? [bound[0] + 1, 0, 0] : index === 1 ? [bound[0], bound[1] + 1, 0] : [...bound];
  const c = compare(version, bound);
  switch (op) {
    case ">=":
      return c >= 0;
    case ">":
      return c > 0;
    case "<=":
      return c <= 0;
    case "<":
      return c < 0;
    case "^":
      return c >= 0 && compare(version, upper(bound[0] > 0 ? 0 : 1)) < 0;
    case "~":
      return c >= 0 && compare(version, upper(parts > 1 ? 1 : 0)) < 0;
    default:
      // A bare or partial version: `20` is any 20.x.
      return parts === 3 ? c === 0 : c >= 0 && compare(version, upper(parts - 1)) < 0;
  }
}

function satisfies(version: Version, range: string): boolean {
  return range.split("||").some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, "$1")
      .split(/\s+/)
      .every((comparator) => meets(version, comparator)),
  );
}

describe("Node engines", () => {
  const lowest = parse(engines.replace(/^>=\s*/, "")).version;

  it("reads ranges as npm does", () => {
    expect(satisfies([20, 19, 0], ">= 22.x")).toBe(false);
    expect(satisfies([20, 19, 0], "^20.19.0 || >=22.12.0")).toBe(true);
    expect(satisfies([20, 18, 0], "^20.19.0 || >=22.12.0")).toBe(false);
    expect(satisfies([20, 19, 0], "18 || 20 || >=22")).toBe(true);
    expect(satisfies([21, 0, 0], "18 || 20 || >=22")).toBe(false);
    expect(satisfies([20, 19, 0], ">=16 || 14 >=14.17")).toBe(true);
    expect(satisfies([14, 16, 0], ">=16 || 14 >=14.17")).toBe(false);
    expect(satisfies([20, 19, 0], "^10 || ^12 || >=14")).toBe(true);
  });

  it(`every locked package runs on Node ${engines}, so npm ci there warns of no engine`, () => {
    const refusing = Object.entries(lock.packages)
      .filter(([, entry]) => entry.engines?.node && !satisfies(lowest, entry.engines.node))
      .map(([path, entry]) => `${path}@${entry.version}: node ${entry.engines!.node}`);
    expect(refusing).toEqual([]);
  });
});
