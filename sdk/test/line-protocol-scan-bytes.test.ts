// The ASCII fast path (scan-bytes.ts, used by parseMessage) against the general parser (parseRange,
// parseGeneral) on random input, so the two cannot drift apart: whatever the fast path accepts, the
// general parser accepts with the same sections, and messages come out of both the same.
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodePoint } from "../src/line-protocol/encode.js";
import { parseGeneral, parseMessage } from "../src/line-protocol/message.js";
import { type ParsedLine, parseRange } from "../src/line-protocol/parse.js";
import { rewriteLine, rewriteLineGeneral, withTag } from "../src/line-protocol/rewrite.js";
import { scanLineBytes, scanned } from "../src/line-protocol/scan-bytes.js";
import { type FieldValue, LineProtocolError, type Point } from "../src/line-protocol/types.js";

// Pieces that steer the parser, so random lines hit every rule (escapes, quotes, numbers, keys, limits).
const piece = fc.constantFrom(
  "cpu",
  "a",
  "b",
  "time",
  "org",
  ",",
  " ",
  "  ",
  "=",
  "\\",
  "\\,",
  "\\ ",
  "\\=",
  "\\\\",
  '"',
  '\\"',
  "#",
  "\t",
  "\n",
  "\r",
  "\r\n",
  "\u0001",
  "\u007f",
  "t",
  "T",
  "true",
  "False",
  "fals",
  "0",
  "1",
  "-",
  ".",
  "+",
  "e",
  "E",
  "i",
  "u",
  "nan",
  "9223372036854775807",
  "9223372036854775808",
  "18446744073709551616",
  "9223372036854775806",
  " 1700000000000000000",
  "x=1",
  "y=2i",
  'z="s"',
);
const asciiLine = fc.array(piece, { minLength: 1, maxLength: 24 }).map((parts) => parts.join(""));
// Mostly valid lines, then damaged: a random character replaced, inserted or removed.
const asciiName = fc.string({
  unit: fc.constantFrom("a", "z", "0", "_", "-", ".", " ", ",", "=", '"', "\\", "#", "\t"),
  minLength: 1,
  maxLength: 8,
});
const fieldValue: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => ({ type: "float" as const, value })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value) => ({ type: "integer" as const, value })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => ({ type: "unsigned" as const, value })),
  fc
    .string({ unit: fc.constantFrom("a", " ", ",", "=", '"', "\\", "\n"), maxLength: 12 })
    .map((value) => ({ type: "string" as const, value })),
  fc.boolean().map((value) => ({ type: "boolean" as const, value })),
);
const point: fc.Arbitrary<Point> = fc.record(
  {
    measurement: asciiName,
    tags: fc.dictionary(asciiName, asciiName, { maxKeys: 4 }),
    fields: fc.dictionary(asciiName, fieldValue, { minKeys: 1, maxKeys: 5 }),
    timestamp: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  },
  { requiredKeys: ["measurement", "tags", "fields"] },
);
const encodedLine = point.chain((p) => {
  let line: string;
  try {
    line = encodePoint(p);
  } catch (error) {
    if (!(error instanceof LineProtocolError)) throw error;
    line = "m v=1";
  }
  return fc.oneof(
    fc.constant(line),
    fc
      .tuple(fc.nat(line.length), fc.constantFrom("", " ", ",", "=", '"', "\\", "x", "1", "\n"), fc.boolean())
      .map(([at, c, replace]) => line.slice(0, at) + c + line.slice(replace ? at + 1 : at)),
  );
});
const anyLine = fc.oneof(asciiLine, encodedLine);

/** Everything a ParsedLine says, read through its public getters. */
function view(line: ParsedLine) {
  return {
    text: line.text,
    series: line.series,
    fieldsText: line.fieldsText,
    timestampText: line.timestampText,
    measurement: line.measurement,
    tags: { ...line.tags },
    fields: { ...line.fields },
    timestamp: line.timestamp,
    offsets: [
      line.lineStart,
      line.lineEnd,
      line.seriesStart,
      line.seriesEnd,
      line.fieldsStart,
      line.fieldsEnd,
    ],
    time: [line.timeStart, line.timeEnd],
    tagStart: line.tagStart,
    tagInsertAt: line.tagInsertAt,
  };
}

/** The text a rewrite gives, or the message of the LineProtocolError it throws. */
function outcome(rewrite: () => string): string | { error: string } {
  try {
    return rewrite();
  } catch (error) {
    if (error instanceof LineProtocolError) return { error: error.message };
    throw error;
  }
}

function general(text: string, maxLineBytes: number): ParsedLine | LineProtocolError {
  try {
    return parseRange(text, 0, text.length, maxLineBytes);
  } catch (error) {
    if (error instanceof LineProtocolError) return error;
    throw error;
  }
}

describe("ASCII fast path against the general parser (property-based)", () => {
  it("accepts a line only when parseRange does, with the same sections", () => {
    let accepted = 0;
    fc.assert(
      fc.property(anyLine, fc.constantFrom(65_536, 40), (text, maxLineBytes) => {
        const bytes = Buffer.from(text, "latin1");
        const fast = scanLineBytes(bytes, 0, bytes.length, maxLineBytes);
        const slow = general(text, maxLineBytes);
        if (fast) {
          accepted++;
          expect(slow).not.toBeInstanceOf(LineProtocolError);
          const line = slow as ParsedLine;
          expect(text.slice(scanned.start, scanned.seriesEnd)).toBe(line.series);
          expect(text.slice(scanned.fieldsStart, scanned.fieldsEnd)).toBe(line.fieldsText);
          expect(scanned.timeStart === -1 ? undefined : text.slice(scanned.timeStart, scanned.timeEnd)).toBe(
            line.timestampText,
          );
        } else if (!(slow instanceof LineProtocolError)) {
          // The fast path leaves only these to the general parser: a float with an exponent (it may
          // overflow) or with more than 308 digits, and a series key near InfluxDB's limit.
          expect(/[0-9.][eE]|[0-9]{309}/.test(slow.fieldsText) || text.length * 3 > 60_000).toBe(true);
        }
      }),
      { numRuns: 4000 },
    );
    // Guards against a generator (or a fast path) that almost never accepts a line.
    expect(accepted).toBeGreaterThan(400);
  });

  it("gives the same lines and reasons as the general path for any ASCII message", () => {
    fc.assert(
      fc.property(fc.array(anyLine, { maxLength: 6 }), fc.constantFrom("\n", "\r\n"), (lines, eol) => {
        const payload = new Uint8Array(Buffer.from(lines.join(eol), "latin1"));
        const fast = parseMessage(payload, { tagKey: "org" });
        const slow = parseGeneral(payload, { tagKey: "org" });
        expect(fast.lines.map(view)).toEqual(slow.lines.map(view));
        for (const line of fast.lines) {
          // A key written "org" is the only way to have the tag org (it has nothing to escape).
          expect(line.tagStart !== -1).toBe(Object.hasOwn(line.tags, "org"));
          if (line.tagStart !== -1) expect(line.source.startsWith(",org=", line.tagStart)).toBe(true);
          // Where the tag goes when it is missing: exactly where withTag puts it.
          const { source, seriesStart, seriesEnd, tagInsertAt } = line;
          const series = `${source.slice(seriesStart, tagInsertAt)},org=v${source.slice(tagInsertAt, seriesEnd)}`;
          if (line.tagStart === -1) expect(withTag(line, "org", "v").startsWith(`${series} `)).toBe(true);
        }
        expect(
          fast.rejected.map((r) => ({ raw: Buffer.from(r.raw).toString("latin1"), reason: r.reason })),
        ).toEqual(
          slow.rejected.map((r) => ({ raw: Buffer.from(r.raw).toString("latin1"), reason: r.reason })),
        );
      }),
      { numRuns: 1500 },
    );
  });

  it("takes the fast path for Telegraf-style lines, escapes and multi-line strings", () => {
    const valid = [
      "cpu,cpu=cpu0,host=web-1 usage_user=1.5,usage_idle=98,context_switches=12i 1700000000000000000",
      'weather\\ now,loc\\,a=x\\=y temp=-.5,ok=t,msg="a \\"b\\" \\\\ c\nd",n=18446744073709551615u -5',
      "  m=x v=FALSE   ",
      "m v=9223372036854775807i,w=-9223372036854775808i 9223372036854775806",
    ];
    for (const text of valid) {
      const bytes = Buffer.from(text, "latin1");
      expect(scanLineBytes(bytes, 0, bytes.length, 65_536), text).toBe(true);
      expect(general(text, 65_536)).not.toBeInstanceOf(LineProtocolError);
    }
  });

  it("sets one tag from the line's offsets exactly as the general rewrite does", () => {
    const key = fc.constantFrom("org", "a", "cpu", "zz", "b\\", "k,=", "é");
    const value = fc.constantFrom("acme", "x y", "a,b=c", "中");
    const unicodeLine = fc.constantFrom("m,b=1,中=x v=1 5", 'é\\ x,org=a,z=é s="😀"', "m,a=1 v=1");
    fc.assert(
      fc.property(
        fc.array(fc.oneof(anyLine, unicodeLine), { minLength: 1, maxLength: 5 }),
        key,
        value,
        fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
        (lines, k, v, stamp) => {
          // Lines of one message: their offsets are into the whole message text, not 0-based.
          const { lines: parsed } = parseMessage(new Uint8Array(Buffer.from(lines.join("\n"))));
          for (const line of parsed) {
            const rewrite = { tags: { [k]: v }, defaultTimestamp: stamp ?? undefined };
            expect(outcome(() => rewriteLine(line, rewrite))).toEqual(
              outcome(() => rewriteLineGeneral(line, rewrite)),
            );
            expect(outcome(() => withTag(line, k, v))).toEqual(
              outcome(() => rewriteLineGeneral(line, { tags: { [k]: v } })),
            );
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});
