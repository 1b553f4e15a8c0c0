import { describe, expect, it } from "vitest";
import { parseLine } from "../src/line-protocol/parse.js";
import { LineProtocolError } from "../src/line-protocol/types.js";

function reasonFor(line: string): string {
  try {
    parseLine(line);
  } catch (error) {
    expect(error).toBeInstanceOf(LineProtocolError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(line)} to be rejected`);
}

describe("parseLine reads valid lines", () => {
  it("reads a Telegraf-style line with every field type", () => {
    const line = parseLine(
      'cpu,host=web-1,region=eu usage=12.5,count=3i,bytes=18446744073709551615u,state="ok",up=true 1700000000000000000',
    );
    expect(line.measurement).toBe("cpu");
    expect(line.tags).toEqual({ host: "web-1", region: "eu" });
    expect(line.fields).toEqual({
      usage: { type: "float", value: 12.5 },
      count: { type: "integer", value: 3n },
      bytes: { type: "unsigned", value: 18446744073709551615n },
      state: { type: "string", value: "ok" },
      up: { type: "boolean", value: true },
    });
    expect(line.timestamp).toBe(1700000000000000000n);
    expect(line.series).toBe("cpu,host=web-1,region=eu");
    expect(line.fieldsText).toBe('usage=12.5,count=3i,bytes=18446744073709551615u,state="ok",up=true');
    expect(line.timestampText).toBe("1700000000000000000");
  });

  it("has no timestamp when the line has none", () => {
    const line = parseLine("m v=1");
    expect(line.timestamp).toBeUndefined();
    expect(line.timestampText).toBeUndefined();
    expect(line.tags).toEqual({});
  });

  it.each([
    ["1", 1],
    ["-1.5", -1.5],
    ["1e10", 1e10],
    ["1.5E-3", 1.5e-3],
    ["2e+3", 2000],
    [".5", 0.5],
    ["5.", 5],
    ["-.25", -0.25],
    ["007", 7],
    ["1e-400", 0],
    ["1.7976931348623157e308", Number.MAX_VALUE],
  ])("reads the float %s", (text, value) => {
    expect(parseLine(`m v=${text}`).fields.v).toEqual({ type: "float", value });
  });

  it("reads int64 and uint64 bounds exactly", () => {
    expect(parseLine("m v=9223372036854775807i").fields.v).toEqual({
      type: "integer",
      value: 2n ** 63n - 1n,
    });
    expect(parseLine("m v=-9223372036854775808i").fields.v).toEqual({ type: "integer", value: -(2n ** 63n) });
    expect(parseLine("m v=0000000000000000000001i").fields.v).toEqual({ type: "integer", value: 1n });
    expect(parseLine("m v=0u").fields.v).toEqual({ type: "unsigned", value: 0n });
  });

  it.each([
    ["t", true],
    ["T", true],
    ["true", true],
    ["True", true],
    ["TRUE", true],
    ["f", false],
    ["F", false],
    ["false", false],
    ["False", false],
    ["FALSE", false],
  ])("reads the boolean %s", (text, value) => {
    expect(parseLine(`m v=${text}`).fields.v).toEqual({ type: "boolean", value });
  });

  it("unescapes measurement, tag and field names the way InfluxDB 1.x does", () => {
    const line = parseLine("disk\\ io\\,x=1,mount\\ point=/var/lib\\,data,k\\=ey=v\\=1 free\\ bytes=1i");
    expect(line.measurement).toBe("disk io,x=1");
    expect(line.tags).toEqual({ "mount point": "/var/lib,data", "k=ey": "v=1" });
    expect(Object.keys(line.fields)).toEqual(["free bytes"]);
  });

  it("keeps backslashes that escape nothing, and quotes outside string values", () => {
    const line = parseLine('m\\x,path=C:\\data,say="hi" f\\n"x=1');
    expect(line.measurement).toBe("m\\x");
    expect(line.tags).toEqual({ path: "C:\\data", say: '"hi"' });
    expect(Object.keys(line.fields)).toEqual(['f\\n"x']);
  });

  it("reads string values with escaped quotes and backslashes, literal newlines and other backslashes", () => {
    const line = parseLine('m s="a \\"quoted\\" \\\\ path\\nstays\nnext line, with = and spaces",n=1i');
    expect(line.fields.s).toEqual({
      type: "string",
      value: 'a "quoted" \\ path\\nstays\nnext line, with = and spaces',
    });
    expect(line.fields.n).toEqual({ type: "integer", value: 1n });
    expect(parseLine('m s=""').fields.s).toEqual({ type: "string", value: "" });
    expect(parseLine('m s="ends with \\\\"').fields.s).toEqual({ type: "string", value: "ends with \\" });
  });

  it("reads unicode and emoji", () => {
    const line = parseLine('température,région=Zürich\\ 🇨🇭 温度=21.5,note="😀"');
    expect(line.measurement).toBe("température");
    expect(line.tags).toEqual({ région: "Zürich 🇨🇭" });
    expect(line.fields).toEqual({
      温度: { type: "float", value: 21.5 },
      note: { type: "string", value: "😀" },
    });
  });

  it("accepts extra spaces between sections, leading blanks and trailing spaces, as InfluxDB does", () => {
    const line = parseLine(" \tm,t=1   v=1    -42   ");
    expect(line.series).toBe("m,t=1");
    expect(line.fieldsText).toBe("v=1");
    expect(line.timestamp).toBe(-42n);
  });

  it("reads negative timestamps and the ends of InfluxDB's time range", () => {
    expect(parseLine("m v=1 -1").timestamp).toBe(-1n);
    expect(parseLine("m v=1 9223372036854775806").timestamp).toBe(2n ** 63n - 2n);
    expect(parseLine("m v=1 -9223372036854775806").timestamp).toBe(-(2n ** 63n) + 2n);
  });

  it("keeps tag and field names like __proto__ as plain keys", () => {
    const line = parseLine("m,__proto__=x __proto__=1");
    expect(Object.keys(line.tags)).toEqual(["__proto__"]);
    expect(Object.entries(line.tags)).toEqual([["__proto__", "x"]]);
    expect(Object.keys(line.fields)).toEqual(["__proto__"]);
  });
});

describe("parseLine rejects bad lines with a precise reason", () => {
  const bad: Array<[string, string, RegExp]> = [
    ["an empty line", "", /empty line/],
    ["a blank line", "   ", /empty line/],
    ["a comment", "# hello", /comment/],
    ["no fields", "cpu", /missing fields.*after the measurement "cpu"/],
    ["no fields after tags", "cpu,host=a", /missing fields.*after the tag set "cpu,host=a"/],
    ["only a trailing space", "cpu,host=a ", /missing fields/],
    ["a missing measurement", ",host=a v=1", /missing measurement.*column 1/],
    ["an empty tag key", "cpu,=a v=1", /empty tag key at column 5/],
    ["a trailing comma in the tag set", "cpu, v=1", /empty tag key at column 5/],
    ["an empty tag value", "cpu,host= v=1", /tag "host" has an empty value at column 10/],
    ["a tag without =", "cpu,host v=1", /tag "host" at column 5 has no "="/],
    ["an unescaped = in a tag value", "cpu,host=a=b v=1", /unescaped "=" in its value at column 11/],
    ["a duplicate tag key", "cpu,a=1,a=2 v=1", /duplicate tag key "a"/],
    ["time as a tag key", "cpu,time=1 v=1", /tag key "time".*not allowed/],
    ["an empty field key", "cpu =1", /empty field key at column 5/],
    ["an empty field key after a comma", "cpu v=1,=2", /empty field key at column 9/],
    ["a trailing comma in the fields", "cpu v=1,", /empty field key at column 9/],
    ["a field without =", "cpu v=1,w", /field "w" at column 9 has no "="/],
    ["a field without a value", "cpu v=", /field "v" has no value/],
    ["a field without a value before a comma", "cpu v=,w=1", /field "v" has no value/],
    ["a duplicate field key", "cpu v=1,v=2", /duplicate field key "v"/],
    ["time as a field key", "cpu time=1", /field key "time".*not allowed/],
    ["an unterminated string", 'cpu s="abc,d=1 5', /field "s": unterminated string starting at column 7/],
    ["text after a closing quote", 'cpu s="a"b', /field "s": unexpected "b" after the closing quote/],
    ["NaN", "cpu v=NaN", /NaN and Infinity are not valid/],
    ["nan", "cpu v=nan", /NaN and Infinity are not valid/],
    ["Inf", "cpu v=Inf", /NaN and Infinity are not valid/],
    ["-inf", "cpu v=-inf", /NaN and Infinity are not valid/],
    ["+Infinity", "cpu v=+Infinity", /NaN and Infinity are not valid/],
    ["a leading +", "cpu v=+1", /does not accept a leading \+/],
    ["two decimal points", "cpu v=1.2.3", /field "v": invalid number: "1.2.3"/],
    ["a lone minus", "cpu v=-", /invalid number/],
    ["a lone dot", "cpu v=.", /invalid number/],
    ["an exponent without digits", "cpu v=1e", /exponent has no digits/],
    ["a hex number", "cpu v=0x10", /invalid number/],
    ["digit separators", "cpu v=1_000", /invalid number/],
    ["a float beyond float64", "cpu v=1e309", /float out of range/],
    ["a 400-digit float", `cpu v=${"9".repeat(400)}`, /float out of range/],
    ["an integer above int64", "cpu v=9223372036854775808i", /integer out of range/],
    ["an integer below int64", "cpu v=-9223372036854775809i", /integer out of range/],
    ["a fractional integer", "cpu v=1.5i", /cannot have a fraction or exponent/],
    ["an integer with an exponent", "cpu v=1e3i", /cannot have a fraction or exponent/],
    ["an integer suffix alone", "cpu v=-i", /invalid number/],
    ["an unsigned above uint64", "cpu v=18446744073709551616u", /unsigned out of range/],
    ["a negative unsigned", "cpu v=-1u", /unsigned value cannot be negative/],
    ["a suffix in the middle", "cpu v=9i10", /invalid number/],
    ["a bad boolean", "cpu v=tru", /invalid boolean/],
    ["a mixed-case boolean", "cpu v=tRUE", /invalid boolean/],
    ["a bare word", "cpu v=hello", /expected a number, a "string" or a boolean/],
    ["a fractional timestamp", "cpu v=1 12.5", /bad timestamp "12.5" at column 9/],
    ["a timestamp with letters", "cpu v=1 12ab", /bad timestamp "12ab"/],
    ["a date as timestamp", "cpu v=1 2024-01-01", /bad timestamp/],
    ["a timestamp above int64", "cpu v=1 9223372036854775808", /outside InfluxDB's range/],
    ["InfluxDB's sentinel MaxInt64", "cpu v=1 9223372036854775807", /outside InfluxDB's range/],
    ["InfluxDB's sentinel MinInt64", "cpu v=1 -9223372036854775808", /outside InfluxDB's range/],
    ["text after the timestamp", "cpu v=1 123 456", /unexpected text "456" after the timestamp at column 13/],
    ["a tab in a tag value", "cpu,t=a\tb v=1", /control character U\+0009/],
    ["a newline in a measurement", "cp\nu v=1", /control character U\+000A \(newline\)/],
    ["a carriage return after the timestamp", "cpu v=1 5\r", /bad timestamp/],
    ["a carriage return after a value", "cpu v=1\r", /invalid number/],
    ["a trailing backslash", "cpu\\", /ends the line with a backslash/],
    ["two backslashes before an escaped comma", "cpu,t=a\\\\,b v=1", /ambiguous escape in tag value/],
    ["two backslashes before a space", "cpu\\\\ v=1", /ambiguous escape in measurement/],
    ["two backslashes before = in a field key", "cpu a\\\\=1", /ambiguous escape in field key/],
    [
      "\\= in a measurement",
      "c\\=pu v=1",
      /ambiguous escape in measurement.*reads \\= in a measurement as =/,
    ],
    ['\\" in a measurement', 'c\\"pu v=1', /ambiguous escape in measurement/],
    ['\\" in a field key', 'cpu a\\"b=1', /ambiguous escape in field key/],
    ["a lone surrogate", 'cpu s="\uD800"', /lone UTF-16 surrogate at column 8/],
  ];
  it.each(bad)("rejects %s", (_what, line, reason) => {
    expect(reasonFor(line)).toMatch(reason);
  });

  it("rejects a 70 KB line and accepts one just under the limit", () => {
    const long = `m s="${"x".repeat(70_000)}"`;
    expect(reasonFor(long)).toMatch(/line is too long: 70006 bytes, the limit is 65536/);
    expect(parseLine(`m s="${"x".repeat(65_000)}"`).fieldsText.length).toBe(65_004);
  });

  it("counts the limit in UTF-8 bytes, and takes a custom limit", () => {
    const euros = `m s="${"€".repeat(25_000)}"`; // 25,006 characters, 75,006 bytes
    expect(reasonFor(euros)).toMatch(/line is too long: 75006 bytes/);
    expect(() => parseLine("m v=1", { maxLineBytes: 4 })).toThrow(
      /line is too long: 5 bytes, the limit is 4/,
    );
  });

  it("rejects a series key longer than InfluxDB's 65535 bytes", () => {
    const line = `m,t=${"a".repeat(65_530)} v=1`;
    expect(() => parseLine(line, { maxLineBytes: 1 << 20 })).toThrow(/series key too long/);
  });
});
