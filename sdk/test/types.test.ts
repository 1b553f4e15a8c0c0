import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { typeCheck } from "./helpers/typescript.js";

describe("types from the declarations", () => {
  it("compile the right calls and refuse a misspelt measurement, an undeclared tag or a wrong field type", () => {
    // test/types/typed-points.ts marks each mistake with @ts-expect-error: a directive the compiler
    // no longer needs (the typing went loose) fails the compile as much as a new error does.
    const { code, output } = typeCheck(fileURLToPath(new URL("types/tsconfig.json", import.meta.url)));
    expect(output).toBe("");
    expect(code).toBe(0);
  });
});
