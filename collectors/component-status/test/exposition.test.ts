import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseExposition } from "../src/scrape/exposition.js";
import { formatOf } from "../src/scrape/format.js";

interface Sample {
  name: string;
  labels: [string, string][];
  value: number;
  /** Nanoseconds. */
  timestamp?: bigint;
}

const metricName = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,20}$/);
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/);
const labels = fc.uniqueArray(fc.tuple(labelName, fc.string({ unit: "grapheme", maxLength: 12 })), {
  maxLength: 4,
  selector: ([name]) => name,
});

const sample = (format: "prometheus" | "openmetrics") =>
  fc.record(
    {
      name: metricName,
      labels,
      value: fc.double(),
      timestamp:
        format === "prometheus"
          ? fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }).map((ms) => ms * 1_000_000n)
          : fc.bigInt({ min: 0n, max: 10n ** 18n }),
    },
    { requiredKeys: ["name", "labels", "value"] },
  );

const escapeLabel = (value: string) =>
  value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

function renderValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return Object.is(value, -0) ? "-0" : String(value);
}

function renderTimestamp(ns: bigint, format: "prometheus" | "openmetrics"): string {
  if (format === "prometheus") return String(ns / 1_000_000n);
  return `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, "0")}`;
}

function render(samples: Sample[], format: "prometheus" | "openmetrics", trailingComma: boolean): string {
  const lines = samples.map((s) => {
    const labelText =
      s.labels.length === 0
        ? ""
        : `{${s.labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}${trailingComma ? "," : ""}}`;
    const time = s.timestamp === undefined ? "" : ` ${renderTimestamp(s.timestamp, format)}`;
    return `${s.name}${labelText} ${renderValue(s.value)}${time}`;
  });
  return `${lines.join("\n")}\n${format === "openmetrics" ? "# EOF\n" : ""}`;
}

describe("the exposition parser", () => {
  for (const format of ["prometheus", "openmetrics"] as const) {
    it(`reads back every ${format} sample it is given: names, labels, values, timestamps; drops only NaN and Inf`, () => {
      fc.assert(
        fc.property(fc.array(sample(format), { maxLength: 30 }), fc.boolean(), (samples, trailingComma) => {
          const parsed = parseExposition(render(samples, format, trailingComma), format, 1_000_000);
          const finite = samples.filter((s) => Number.isFinite(s.value));
          expect(parsed.dropped).toBe(samples.length - finite.length);
          expect(parsed.unreadable).toBe(0);
          expect(parsed.samples).toHaveLength(finite.length);
          parsed.samples.forEach((got, i) => {
            const want = finite[i]!;
            expect(got.name).toBe(want.name);
            expect(got.labels).toEqual(Object.fromEntries(want.labels));
            expect(got.value).toEqual({ type: "float", value: want.value });
            expect(got.timestamp).toBe(want.timestamp);
          });
        }),
      );
    });
  }

  it("never throws on arbitrary text, and keeps the good lines around garbage", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (garbage) => {
        const text = `good_a 1\n${garbage.replace(/\n/g, " ")}\ngood_b 2\n`;
        const parsed = parseExposition(text, "prometheus", 1000);
        const names = parsed.samples.map((s) => s.name);
        expect(names[0]).toBe("good_a");
        expect(names.at(-1)).toBe("good_b");
      }),
    );
  });

  it.each([
    ['x{a="1",a="2"} 1', "given twice"],
    ['x{a="1" 1', "expected"],
    ['x{a="\\q"} 1', "unknown escape"],
    ["x 0x10", "not a number"],
    ["x", "no value"],
    ["x 1 2 3", "more than a value"],
    ["x 1 1.5", "not milliseconds"],
    ["# TYPE x bogus", "known type"],
    ["{} 1", "no metric name"],
  ])("refuses %j, saying why", (line, why) => {
    const parsed = parseExposition(`${line}\n`, "prometheus", 10);
    expect(parsed.samples).toHaveLength(0);
    expect(parsed.unreadable).toBe(1);
    expect(parsed.firstProblem).toContain(why);
  });

  it("stops at # EOF in OpenMetrics", () => {
    const parsed = parseExposition("a 1\n# EOF\nb 2\n", "openmetrics", 10);
    expect(parsed.samples.map((s) => s.name)).toEqual(["a"]);
  });
});

describe("format detection", () => {
  const body = (text: string) => Buffer.from(text);
  it.each([
    ["text/plain; version=0.0.4; charset=utf-8", "x 1", "prometheus"],
    ["application/openmetrics-text; version=1.0.0", "x 1", "openmetrics"],
    ["application/json", "{}", "json"],
    ["application/problem+json", "{}", "json"],
    ["text/plain", "# HELP x y\nx 1\n", "prometheus"],
    ["text/plain", 'x{a="b c=d"} 1\n', "prometheus"],
    ["text/plain", "cpu,host=a usage=1 1700000000000000000\n", "influx"],
    ["text/plain; charset=utf-8", "cpu usage=1\n", "influx"],
    [undefined, '{"a":1}', "json"],
  ])("%s with %j is %s", (contentType, text, format) => {
    expect(formatOf(contentType, body(text))).toBe(format);
  });

  it.each([
    ["text/html", "<html></html>"],
    ["application/octet-stream", "x 1"],
    ["text/plain", "hello world, no metrics here"],
    ["text/plain", ""],
  ])("refuses %s with %j, naming what it got", (contentType, text) => {
    const result = formatOf(contentType, body(text));
    expect(["prometheus", "openmetrics", "influx", "json"]).not.toContain(result);
    expect(result).toMatch(/content type|no metrics format/);
  });
});
