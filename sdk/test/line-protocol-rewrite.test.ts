import { describe, expect, it } from "vitest";
import { parseLine } from "../src/line-protocol/parse.js";
import { rewriteLine, withTag, withTimestamp } from "../src/line-protocol/rewrite.js";
import { LineProtocolError } from "../src/line-protocol/types.js";

describe("rewriting a parsed line", () => {
  it("overrides a spoofed org tag and keeps everything else byte-identical", () => {
    const line = parseLine('cpu,host=a,org=evil,zone=z msg="x\\"y\nz",v=1.50,n=-0i 1700000000000000000');
    expect(withTag(line, "org", "acme")).toBe(
      'cpu,host=a,org=acme,zone=z msg="x\\"y\nz",v=1.50,n=-0i 1700000000000000000',
    );
  });

  it("adds a missing tag in key order, or at the end", () => {
    expect(withTag(parseLine("cpu,host=a,zone=z v=1"), "org", "acme")).toBe("cpu,host=a,org=acme,zone=z v=1");
    expect(withTag(parseLine("cpu,a=1 v=1"), "org", "acme")).toBe("cpu,a=1,org=acme v=1");
    expect(withTag(parseLine("cpu v=1 5"), "org", "acme")).toBe("cpu,org=acme v=1 5");
    expect(withTag(parseLine("my\\ cpu,z=1 v=1"), "org", "acme")).toBe("my\\ cpu,org=acme,z=1 v=1");
  });

  it("finds tags with escaped keys and values, and escapes the new value", () => {
    const line = parseLine("m,o\\ rg=x\\,y,org=old\\ value v=1");
    const rewritten = withTag(line, "org", "new, value=1");
    expect(rewritten).toBe("m,o\\ rg=x\\,y,org=new\\,\\ value\\=1 v=1");
    expect(parseLine(rewritten).tags).toEqual({ "o rg": "x,y", org: "new, value=1" });
  });

  it("refuses a tag InfluxDB cannot take", () => {
    const line = parseLine("m v=1");
    expect(() => withTag(line, "org", "")).toThrow(LineProtocolError);
    expect(() => withTag(line, "time", "1")).toThrow(/"time" is not allowed/);
    expect(() => withTag(line, "org", "a\nb")).toThrow(/control character/);
  });

  it("stamps only lines without a timestamp, and sets tags in the same pass", () => {
    const rewrite = { tags: { org: "acme", source: "telegraf" }, defaultTimestamp: 42n };
    expect(rewriteLine(parseLine("m v=1"), rewrite)).toBe("m,org=acme,source=telegraf v=1 42");
    expect(rewriteLine(parseLine("m,org=x v=1 7"), rewrite)).toBe("m,org=acme,source=telegraf v=1 7");
    expect(rewriteLine(parseLine("  m   v=1   "), {})).toBe("m v=1");
  });

  it("sets or replaces the timestamp, within InfluxDB's range", () => {
    expect(withTimestamp(parseLine("m v=1"), -3n)).toBe("m v=1 -3");
    expect(withTimestamp(parseLine("m v=1 5"), 6n)).toBe("m v=1 6");
    expect(() => withTimestamp(parseLine("m v=1"), 2n ** 63n - 1n)).toThrow(/outside InfluxDB's range/);
    expect(() => rewriteLine(parseLine("m v=1"), { defaultTimestamp: -(2n ** 63n) })).toThrow(
      LineProtocolError,
    );
  });
});
