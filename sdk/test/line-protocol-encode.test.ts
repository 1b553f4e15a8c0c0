import { describe, expect, it } from "vitest";
import { encodeFieldValue, encodePoint } from "../src/line-protocol/encode.js";
import { escapeKey, escapeMeasurement, escapeStringField } from "../src/line-protocol/escape.js";
import { parseLine } from "../src/line-protocol/parse.js";
import { type FieldValue, LineProtocolError, type Point } from "../src/line-protocol/types.js";

const float = (value: number): FieldValue => ({ type: "float", value });

function point(overrides: Partial<Point>): Point {
  return { measurement: "m", tags: {}, fields: { v: float(1) }, ...overrides };
}

describe("line-protocol escaping", () => {
  it("escapes commas and spaces in measurements, and leaves = and quotes alone", () => {
    expect(escapeMeasurement("disk io,total")).toBe("disk\\ io\\,total");
    expect(escapeMeasurement('a=b"c')).toBe('a=b"c');
  });

  it("escapes commas, equals signs and spaces in tag keys, tag values and field keys", () => {
    expect(escapeKey("tag key", "a b,c=d")).toBe("a\\ b\\,c\\=d");
    expect(escapeKey("tag value", "x=1, y=2")).toBe("x\\=1\\,\\ y\\=2");
    expect(escapeKey("field key", "used %")).toBe("used\\ %");
  });

  it("keeps backslashes that escape nothing, and quotes in tags", () => {
    expect(escapeKey("tag value", "C:\\data\\x")).toBe("C:\\data\\x");
    expect(escapeKey("tag value", 'say "hi"')).toBe('say\\ "hi"');
  });

  it("quotes string fields and escapes only quotes and backslashes; newlines stay literal", () => {
    expect(escapeStringField('he said "hi"\\n')).toBe('"he said \\"hi\\"\\\\n"');
    expect(escapeStringField("line 1\nline 2\r\n\ttab")).toBe('"line 1\nline 2\r\n\ttab"');
    expect(escapeStringField("")).toBe('""');
  });

  it("writes unicode and emoji unchanged", () => {
    const line = encodePoint(
      point({ measurement: "température", tags: { région: "Zürich 🇨🇭" }, fields: { 温度: float(21.5) } }),
    );
    expect(line).toBe("température,région=Zürich\\ 🇨🇭 温度=21.5");
  });

  it("writes every field type, sorts tags and keeps the timestamp", () => {
    const line = encodePoint({
      measurement: "cpu",
      tags: { zone: "b", host: "h1" },
      fields: {
        f: float(-1.5e-7),
        i: { type: "integer", value: -(2n ** 63n) },
        u: { type: "unsigned", value: 2n ** 64n - 1n },
        s: { type: "string", value: "ok" },
        b: { type: "boolean", value: false },
      },
      timestamp: -5n,
    });
    expect(line).toBe(
      'cpu,host=h1,zone=b f=-1.5e-7,i=-9223372036854775808i,u=18446744073709551615u,s="ok",b=false -5',
    );
  });

  it("keeps the sign of negative zero", () => {
    expect(encodeFieldValue("z", float(-0))).toBe("-0");
    expect(Object.is((parseLine("m z=-0").fields.z as { value: number }).value, -0)).toBe(true);
  });
});

describe("the encoder refuses what InfluxDB cannot read back", () => {
  const refused: Array<[string, Partial<Point>, RegExp]> = [
    ["an empty measurement", { measurement: "" }, /measurement is empty/],
    ["a measurement starting with #", { measurement: "#m" }, /starts with #/],
    ["a newline in a measurement", { measurement: "a\nb" }, /control character/],
    ["a tab in a tag value", { tags: { t: "a\tb" } }, /control character/],
    ["a NUL in a field key", { fields: { "a\u0000": float(1) } }, /control character/],
    ["a trailing backslash", { tags: { t: "a\\" } }, /trailing backslash/],
    ["a backslash before a comma", { tags: { t: "a\\,b" } }, /backslash before , = or space/],
    ["a backslash before a space", { measurement: "a\\ b" }, /backslash before , = or space/],
    ["a backslash before =", { fields: { "a\\=b": float(1) } }, /backslash before , = or space/],
    ["a backslash before a quote in a measurement", { measurement: 'a\\"b' }, /backslash before "/],
    ["a backslash before a quote in a field key", { fields: { 'a\\"b': float(1) } }, /backslash before "/],
    ["a lone surrogate in a tag key", { tags: { "a\uD800": "x" } }, /lone UTF-16 surrogate/],
    [
      "a lone surrogate in a string value",
      { fields: { s: { type: "string", value: "x\uDC00" } } },
      /field s: .*surrogate/,
    ],
    ["an empty tag value", { tags: { t: "" } }, /tag value is empty/],
    ["an empty field key", { fields: { "": float(1) } }, /field key is empty/],
    ["no fields", { fields: {} }, /at least one field/],
    ["a time tag", { tags: { time: "1" } }, /"time" cannot be a tag key/],
    ["a time field", { fields: { time: float(1) } }, /"time" cannot be a field key/],
    ["NaN", { fields: { v: float(Number.NaN) } }, /not a finite number/],
    ["Infinity", { fields: { v: float(Number.NEGATIVE_INFINITY) } }, /not a finite number/],
    ["an integer above int64", { fields: { v: { type: "integer", value: 2n ** 63n } } }, /outside int64/],
    ["an unsigned below zero", { fields: { v: { type: "unsigned", value: -1n } } }, /outside uint64/],
    ["an unsigned above uint64", { fields: { v: { type: "unsigned", value: 2n ** 64n } } }, /outside uint64/],
    [
      "the int64 maximum as timestamp (an InfluxDB sentinel)",
      { timestamp: 2n ** 63n - 1n },
      /outside InfluxDB's range/,
    ],
    [
      "MinInt64 + 1 as timestamp (an InfluxDB sentinel)",
      { timestamp: -(2n ** 63n) + 1n },
      /outside InfluxDB's range/,
    ],
  ];
  it.each(refused)("refuses %s", (_what, overrides, reason) => {
    expect(() => encodePoint(point(overrides))).toThrow(LineProtocolError);
    expect(() => encodePoint(point(overrides))).toThrow(reason);
  });

  it("accepts the extremes InfluxDB takes: backslash before other characters, quotes in tags, time range ends", () => {
    for (const p of [
      point({ tags: { t: 'a\\"b' }, measurement: "a\\b" }),
      point({ timestamp: 2n ** 63n - 2n }),
      point({ timestamp: -(2n ** 63n) + 2n }),
    ]) {
      const parsed = parseLine(encodePoint(p));
      expect(parsed.measurement).toBe(p.measurement);
      expect(parsed.tags).toEqual(p.tags);
      expect(parsed.timestamp).toBe(p.timestamp);
    }
  });
});
