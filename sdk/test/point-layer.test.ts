import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The point layer (sdk/src/point/) sits below the runtime: the round and the collector definition use
// it, and it imports only the line protocol and the declarations, never back up.
const dir = new URL("../src/point/", import.meta.url);

describe("the point layer", () => {
  it("imports nothing from runtime/, publish/, collector.ts or the test kit", () => {
    const upward: string[] = [];
    for (const file of readdirSync(dir)) {
      const text = readFileSync(new URL(file, dir), "utf8");
      for (const [, from] of text.matchAll(/from "([^"]+)"/g)) {
        if (!/^\.\/|^\.\.\/(line-protocol\/|measurements\.js$)/.test(from!)) upward.push(`${file}: ${from}`);
      }
    }
    expect(readdirSync(dir)).toContain("point-builder.ts");
    expect(upward).toEqual([]);
  });
});
