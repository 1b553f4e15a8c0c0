import { describe, expect, it } from "vitest";
import { backoffDelay } from "../src/kube/backoff.js";

describe("retry backoff", () => {
  const options = { initialMs: 500, maxMs: 30_000 };

  it("doubles from the initial wait up to the maximum", () => {
    const ceiling = (attempt: number) => backoffDelay(attempt, options, () => 1);
    expect([1, 2, 3, 4, 7, 8, 50].map(ceiling)).toEqual([500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
  });

  it("spreads each wait over 50-100% of its ceiling", () => {
    expect(backoffDelay(3, options, () => 0)).toBe(1000);
    expect(backoffDelay(3, options, () => 0.5)).toBe(1500);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(5, options);
      expect(delay).toBeGreaterThanOrEqual(4000);
      expect(delay).toBeLessThanOrEqual(8000);
    }
  });
});
