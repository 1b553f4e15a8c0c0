import { Buffer } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeLine } from "../src/line-protocol/decode.js";
import { encodePoint } from "../src/line-protocol/encode.js";
import { parseMessage } from "../src/line-protocol/message.js";
import { parseLine } from "../src/line-protocol/parse.js";
import { withTag } from "../src/line-protocol/rewrite.js";
import { splitMessage } from "../src/line-protocol/split.js";
import { type FieldValue, LineProtocolError, type Point } from "../src/line-protocol/types.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// Characters that matter to line protocol come up often; any code point can. Names with characters
// the encoder must refuse (control characters, lone surrogates) come up now and then.
const safeUnit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("a", "b", "z", "0", "_", "-", ".") },
  { weight: 4, arbitrary: fc.constantFrom(" ", ",", "=", '"', "\\", "#", "é", "😀", "中", "🇨🇭") },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
);
const unit = fc.oneof(
  { weight: 12, arbitrary: safeUnit },
  { weight: 1, arbitrary: fc.constantFrom("\n", "\r", "\t", "\u0000", "\uD800", "\uDFFF") },
);
const name = fc.oneof(
  { weight: 9, arbitrary: fc.string({ unit: safeUnit, minLength: 1, maxLength: 10 }) },
  { weight: 1, arbitrary: fc.string({ unit, minLength: 1, maxLength: 10 }) },
);
const fieldValue: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => ({ type: "float" as const, value })),
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }).map((value) => ({ type: "integer" as const, value })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => ({ type: "unsigned" as const, value })),
  fc
    .string({ unit: fc.oneof(unit, fc.constantFrom('\\"', "\\\\", "\n", "\r\n")), maxLength: 20 })
    .map((value) => ({ type: "string" as const, value })),
  fc.boolean().map((value) => ({ type: "boolean" as const, value })),
);
const point: fc.Arbitrary<Point> = fc.record(
  {
    measurement: name,
    tags: fc.dictionary(name, name, { maxKeys: 4 }),
    fields: fc.dictionary(name, fieldValue, { minKeys: 1, maxKeys: 5 }),
    // Slightly wider than InfluxDB's range, so the bounds and the refused sentinels come up.
    timestamp: fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  },
  { requiredKeys: ["measurement", "tags", "fields"] },
);

/** The encoded line, or undefined when the encoder refuses the point. */
function tryEncode(p: Point): string | undefined {
  try {
    return encodePoint(p);
  } catch (error) {
    if (error instanceof LineProtocolError) return undefined;
    throw error;
  }
}

function expectSamePoint(line: string, p: Point): void {
  const parsed = parseLine(line);
  expect(parsed.measurement).toBe(p.measurement);
  expect({ ...parsed.tags }).toEqual({ ...p.tags });
  expect(Object.keys(parsed.fields).sort()).toEqual(Object.keys(p.fields).sort());
  for (const key of Object.keys(p.fields)) {
    const expected = p.fields[key]!;
    const actual = parsed.fields[key]!;
    expect(actual.type).toBe(expected.type);
    // Object.is: NaN never comes up, and -0 must stay -0.
    expect(Object.is(actual.value, expected.value)).toBe(true);
  }
  expect(parsed.timestamp).toBe(p.timestamp);
}

describe("encode -> parse round trip (property-based)", () => {
  it("reads back every point the encoder writes, with all five field types and any names", () => {
    let encoded = 0;
    fc.assert(
      fc.property(point, (p) => {
        const line = tryEncode(p);
        if (line === undefined) return;
        encoded++;
        expectSamePoint(line, p);
      }),
      { numRuns: 1500 },
    );
    // Guards against a generator whose points the encoder nearly always refuses.
    expect(encoded).toBeGreaterThan(300);
  });

  it("decodes every line the encoder writes as the strict parser reads it (the test kit's light reader)", () => {
    let decoded = 0;
    fc.assert(
      fc.property(point, (p) => {
        const line = tryEncode(p);
        if (line === undefined) return;
        const strict = parseLine(line);
        const light = decodeLine(line);
        expect(light.measurement).toBe(strict.measurement);
        expect(light.tags).toEqual(strict.tags);
        expect(light.fields).toEqual(strict.fields);
        expect(light.timestamp).toBe(strict.timestamp);
        decoded++;
      }),
      { numRuns: 3000 },
    );
    // The property ran on real lines, not only on points the encoder refused.
    expect(decoded).toBeGreaterThan(1000);
    const proto = decodeLine('m,__proto__=x __proto__=1i,a="b" 1');
    expect(Object.keys(proto.tags)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(proto.fields)).toBe(Object.prototype);
    expect(proto.fields).toEqual(parseLine('m,__proto__=x __proto__=1i,a="b" 1').fields);
  });

  it("splits a message of encoded lines back into exactly those lines, even with CRLF endings", () => {
    fc.assert(
      fc.property(fc.array(point, { minLength: 1, maxLength: 6 }), fc.boolean(), (points, crlf) => {
        const lines = points.map(tryEncode).filter((line): line is string => line !== undefined);
        fc.pre(lines.length > 0);
        const payload = new Uint8Array(
          Buffer.from(lines.join(crlf ? "\r\n" : "\n") + (crlf ? "\r\n" : "\n")),
        );
        expect(splitMessage(payload)).toEqual(lines.map((text) => ({ text })));
        expect(parseMessage(payload).rejected).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("sets the org tag on any encoded point without changing anything else", () => {
    const base: Point = { measurement: "m", tags: {}, fields: { v: { type: "float", value: 1 } } };
    const org = fc
      .string({ unit, minLength: 1, maxLength: 8 })
      .filter((o) => tryEncode({ ...base, tags: { org: o } }) !== undefined);
    fc.assert(
      fc.property(point, org, (p, o) => {
        const line = tryEncode(p);
        if (line === undefined) return;
        expectSamePoint(withTag(parseLine(line), "org", o), { ...p, tags: { ...p.tags, org: o } });
      }),
      { numRuns: 500 },
    );
  });

  it("never fails on arbitrary input with anything but a LineProtocolError", () => {
    const text = fc.string({
      unit: fc.oneof(unit, fc.constantFrom("1", "i", "u", "e", "t", "-", "\\ ")),
      maxLength: 40,
    });
    fc.assert(
      fc.property(text, (line) => {
        try {
          parseLine(line);
        } catch (error) {
          expect(error).toBeInstanceOf(LineProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (bytes) => {
        const result = parseMessage(bytes);
        expect(result.lines.length + result.rejected.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });
});
