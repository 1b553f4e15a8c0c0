import { describe, expect, it } from "vitest";
import { cpuCores, integerQuantity, parseQuantity, quantityToMilli } from "../src/quantity.js";

describe("Kubernetes quantities", () => {
  it.each([
    ["2Gi", 2n * 1024n ** 3n],
    ["100Ki", 102_400n],
    ["16393204Ki", 16_393_204n * 1024n],
    ["1e3", 1000n],
    ["1E3", 1000n],
    ["1.5", 2n], // rounded up, as Value()
    ["1.5G", 1_500_000_000n],
    ["129M", 129_000_000n],
    ["500m", 1n],
    ["0", 0n],
    ["110", 110n],
    ["8Ei", 8n * 2n ** 60n], // beyond 2^53: still exact
    ["12e-1", 2n],
    [".5Ki", 512n],
    ["+3", 3n],
  ])("reads %s as %s", (text, value) => {
    expect(integerQuantity(text)).toBe(value);
  });

  it.each([
    ["500m", 0.5],
    ["3920m", 3.92],
    ["4", 4],
    ["0.1", 0.1],
    ["1e-3", 0.001],
    ["100u", 0.001], // rounded up to the millicore
    ["250000n", 0.001],
  ])("reads CPU %s as %s cores", (text, cores) => {
    expect(cpuCores(text)).toBe(cores);
  });

  it("keeps a negative value exact", () => {
    expect(quantityToMilli(parseQuantity("-1.5")!)).toBe(-1500n);
  });

  it.each([
    "",
    "abc",
    "1.2.3",
    "5 Gi",
    "Gi",
    "1GiB",
    "1ki",
    "--1",
    "1e",
    "1e9999", // hostile: a 10^9999 bigint
    "9".repeat(60),
    "0x10",
    "NaN",
    "Infinity",
  ])("refuses %j", (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });

  it("refuses what is not a string", () => {
    expect(parseQuantity(5)).toBeUndefined();
    expect(parseQuantity(undefined)).toBeUndefined();
    expect(parseQuantity({ value: "1" })).toBeUndefined();
  });
});
