import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

// The dashboard's formatting rules are plain browser modules with no DOM needs: checked here directly,
// in the test's own zone-independent terms (UTC offsets are the browser test's business).

const module = (name: string) =>
  pathToFileURL(fileURLToPath(new URL(`../src/dashboard/js/${name}`, import.meta.url))).href;
// biome-ignore lint/suspicious/noExplicitAny: untyped browser modules
let units: any, time: any, csv: any;
beforeAll(async () => {
  [units, time, csv] = await Promise.all([
    import(module("units.js")),
    import(module("time.js")),
    import(module("csv.js")),
  ]);
});

describe("dashboard formatting", () => {
  it("formats every declared unit so large values stay short", () => {
    const cases: [string | undefined, number, string][] = [
      ["bytes", 150_000_000, "143 MiB"],
      ["bytes", 512, "512 B"],
      ["bytes/s", 200_000_000, "191 MiB/s"],
      ["ns", 2_500_000, "2.5 ms"],
      ["ns", 80_000, "80 µs"],
      ["us", 1500, "1.5 ms"],
      ["ms", 250, "250 ms"],
      ["s", 90, "90 s"],
      ["s", 7300, "2.03 h"],
      ["percent", 55.55, "55.5%"],
      ["count", 1234, "1.23k"],
      ["ops/s", 1100, "1.1k ops/s"],
      ["watts", 250, "250 W"],
      ["celsius", 61, "61 °C"],
      [undefined, 1_250_000, "1.25M"],
      // Counters' rates per second: seconds per second are a share, 1 being one core busy.
      ["count/s", 1234, "1.23k/s"],
      ["count/s", 0.5, "0.5/s"],
      ["s/s", 0.0267, "2.67%"],
      ["s/s", 1.5, "150%"],
    ];
    for (const [unit, value, text] of cases)
      expect(units.formatValue(unit, value), `${unit} ${value}`).toBe(text);
    expect(units.formatValue("bytes", true)).toBe("true");
    // An axis uses one scale for all its ticks, chosen by the largest.
    const axis = units.unitFormatter("bytes", 2 ** 30);
    expect([2 ** 29, 2 ** 30].map(axis)).toEqual(["0.5 GiB", "1 GiB"]);
  });

  it("chooses buckets no finer than the data's interval and at most 300 per chart", () => {
    expect(time.chooseEvery(15 * 60, 30 * 0.95)).toBe("30s");
    expect(time.chooseEvery(15 * 60, 300 * 0.95)).toBe("5m");
    expect(time.chooseEvery(7 * 86_400, 30)).toBe("1h");
    expect(time.chooseEvery(60, 1)).toBe("1s");
  });

  it("reads the gateway's time specs and the custom range's own format, refusing others by name", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(time.specToMs("-1h", now)).toBe(now - 3_600_000);
    expect(time.specToMs("now-30m", now)).toBe(now - 1_800_000);
    expect(time.specToMs("2026-01-01T10:00:00Z", now)).toBe(Date.parse("2026-01-01T10:00:00Z"));
    expect(time.msToSpec(now + 400)).toBe("2026-01-01T12:00:00Z");
    expect(time.fromLocalInput(time.toLocalInput(now))).toBe(now);
    expect(() => time.fromLocalInput("2026-13-01 10:00")).toThrow(/expected a time like/);
    expect(() => time.fromLocalInput("01/02/2026 3pm")).toThrow(
      /"01\/02\/2026 3pm": expected a time like 2026-01-31 18:30:00/,
    );
  });

  it("writes CSV a spreadsheet cannot run: text cells that start like a formula get a quote", () => {
    const text = csv.columnsToCsv({
      times: [Date.parse("2026-01-01T12:00:00Z") / 1000],
      columns: [
        { label: "=cmd|' /C calc'!A0", values: ["+1+1"] },
        { label: "error", values: ['-2, "x"'] },
        { label: "n", values: [-5] },
        { label: "at", values: ["@SUM(A1)"] },
      ],
    });
    const [head, row] = text.trim().split("\r\n");
    expect(head).toBe(`time,'=cmd|' /C calc'!A0,error,n,at`);
    expect(row).toMatch(/^2026-01-01T\d\d:\d\d:\d\d[+-]\d\d:\d\d,'\+1\+1,"'-2, ""x""",-5,'@SUM\(A1\)$/);
  });
});
