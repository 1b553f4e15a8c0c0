import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatFloat } from "../src/line-protocol/format-float.js";

const FLOAT = /^-?\d+(\.\d+)?(e[+-]\d+)?$/;

describe("formatFloat", () => {
  it("reads back as the same double, for any finite double and for readings with few decimals", () => {
    const fewDecimals = fc
      .tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 8 }))
      .map(([n, k]) => n / 10 ** k);
    fc.assert(
      fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fewDecimals), (value) => {
        const text = formatFloat(value);
        expect(text).toMatch(FLOAT);
        expect(Object.is(Number(text), value)).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it("writes what String writes for the usual cases, and keeps -0", () => {
    for (const value of [0, 1, -1, 0.5, 0.05, -0.05, 12.5, 99.9, 47.142857142857146, 1e21, 1.5e-7])
      expect(formatFloat(value)).toBe(String(value));
    expect(formatFloat(-0)).toBe("-0");
  });
});
