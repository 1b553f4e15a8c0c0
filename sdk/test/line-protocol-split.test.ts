import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { parseMessage } from "../src/line-protocol/message.js";
import { type SplitEntry, splitMessage } from "../src/line-protocol/split.js";

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));
const texts = (entries: SplitEntry[]) => entries.map((entry) => ("text" in entry ? entry.text : entry.error));

describe("splitMessage", () => {
  it("gives one entry per line, in order, and skips blank lines and comments", () => {
    const message = 'a v=1\n\n   \n# a comment with "a quote\n  # indented comment\nb v=2\n\t\nc v=3';
    expect(splitMessage(utf8(message))).toEqual([{ text: "a v=1" }, { text: "b v=2" }, { text: "c v=3" }]);
  });

  it("keeps newlines inside string field values", () => {
    const message = 'log msg="first line\nsecond, with = and \\"quotes\\"\n",n=1i 1\nnext v=1\n';
    expect(texts(splitMessage(utf8(message)))).toEqual([
      'log msg="first line\nsecond, with = and \\"quotes\\"\n",n=1i 1',
      "next v=1",
    ]);
  });

  it("does not treat quotes in measurements, tags, field keys or comments as strings", () => {
    const message = 'a",t=x"y f"k=1\n# "\nb v=2 5\nc v=3';
    expect(texts(splitMessage(utf8(message)))).toEqual(['a",t=x"y f"k=1', "b v=2 5", "c v=3"]);
  });

  it("drops the carriage return of CRLF line endings but keeps one inside a string", () => {
    const message = 'a v=1 1\r\nb s="x\r\ny" 2\r\n\r\nc v=3\r';
    expect(texts(splitMessage(utf8(message)))).toEqual(["a v=1 1", 'b s="x\r\ny" 2', "c v=3"]);
    const parsed = parseMessage(utf8(message));
    expect(parsed.rejected).toEqual([]);
    expect(parsed.lines.map((line) => line.timestamp)).toEqual([1n, 2n, undefined]);
  });

  it("ends a line with an unterminated string at its own newline, so the next lines survive", () => {
    const message = 'a s="never closed\nb v=2\nc v=3';
    const result = parseMessage(utf8(message));
    expect(result.lines.map((line) => line.text)).toEqual(["b v=2", "c v=3"]);
    expect(result.rejected).toEqual([
      { raw: 'a s="never closed', reason: expect.stringMatching(/unterminated string/) },
    ]);
  });

  it("ends a line at a newline after a backslash outside strings", () => {
    expect(texts(splitMessage(utf8("a,t=x\\\nb v=1")))).toEqual(["a,t=x\\", "b v=1"]);
  });

  it("turns invalid UTF-8 in the middle line into an error entry with its exact bytes; neighbours survive", () => {
    const bad = Buffer.from([0x62, 0x20, 0x76, 0x3d, 0x22, 0xc3, 0x28, 0x22]); // b v="<bad>("
    const message = Buffer.concat([Buffer.from("a v=1\n"), bad, Buffer.from('\nc s="ok ✓"\n')]);
    const entries = splitMessage(new Uint8Array(message));
    expect(entries).toHaveLength(3);
    expect(entries[0]).toEqual({ text: "a v=1" });
    expect(entries[2]).toEqual({ text: 'c s="ok ✓"' });
    const error = entries[1] as { raw: Uint8Array; error: string };
    expect(Buffer.from(error.raw).equals(bad)).toBe(true);
    expect(error.error).toBe("invalid UTF-8 at byte 6 of the line (byte 12 of the message)");
  });

  it.each([
    ["an overlong encoding", [0xc0, 0x80]],
    ["an encoded surrogate", [0xed, 0xa0, 0x80]],
    ["a truncated sequence", [0xe2, 0x82]],
    ["a code point above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
    ["a stray continuation byte", [0x80]],
  ])("rejects %s as invalid UTF-8", (_what, bytes) => {
    const message = Buffer.concat([Buffer.from('m s="'), Buffer.from(bytes), Buffer.from('"\nok v=1')]);
    const entries = splitMessage(new Uint8Array(message));
    expect(entries[0]).toMatchObject({
      error: "invalid UTF-8 at byte 6 of the line (byte 6 of the message)",
    });
    expect(entries[1]).toEqual({ text: "ok v=1" });
  });

  it("rejects a 70 KB line with its bytes, keeps the lines around it", () => {
    const long = `big s="${"x".repeat(70_000)}"`;
    const entries = splitMessage(utf8(`a v=1\n${long}\nc v=3\n`));
    expect(entries).toHaveLength(3);
    expect(entries[0]).toEqual({ text: "a v=1" });
    expect(entries[2]).toEqual({ text: "c v=3" });
    const error = entries[1] as { raw: Uint8Array; error: string };
    expect(error.error).toBe("line is too long: 70008 bytes, the limit is 65536");
    expect(Buffer.from(error.raw).toString()).toBe(long);
  });

  it("counts the limit in bytes, also when the message holds invalid UTF-8 elsewhere", () => {
    const euros = `e s="${"€".repeat(25_000)}"`; // 25,006 characters but 75,006 bytes
    const message = Buffer.concat([
      Buffer.from(`${euros}\n`),
      Buffer.from([0xff, 0x0a]),
      Buffer.from("ok v=1"),
    ]);
    expect(texts(splitMessage(new Uint8Array(message)))).toEqual([
      "line is too long: 75006 bytes, the limit is 65536",
      "invalid UTF-8 at byte 1 of the line (byte 75008 of the message)",
      "ok v=1",
    ]);
    expect(texts(splitMessage(utf8("a v=1\nbb v=22"), { maxLineBytes: 5 }))).toEqual([
      "a v=1",
      "line is too long: 7 bytes, the limit is 5",
    ]);
  });

  it("turns an empty message, or one with only blank lines and comments, into one error", () => {
    expect(splitMessage(new Uint8Array(0))).toEqual([{ raw: new Uint8Array(0), error: "empty message" }]);
    const blank = utf8("\n  \n# nothing\r\n");
    expect(splitMessage(blank)).toEqual([
      { raw: blank, error: "empty message: only blank lines and comments" },
    ]);
  });

  it("reads a view into a larger buffer without looking outside it", () => {
    const whole = Buffer.from("XXXXa v=1\nb v=2YYYY");
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 4, whole.length - 8);
    expect(texts(splitMessage(view))).toEqual(["a v=1", "b v=2"]);
  });
});

describe("parseMessage", () => {
  it("keeps the good lines of a message and rejects each bad one with its reason", () => {
    const message = [
      "good,org=acme v=1 1",
      "nofields",
      "cpu,=x v=1",
      "cpu v=NaN",
      'cpu s="open',
      "cpu v=1 12.5",
      "cpu,t=a v=1 5 garbage",
      "good v=2 2",
    ].join("\n");
    const result = parseMessage(utf8(message));
    expect(result.lines.map((line) => line.text)).toEqual(["good,org=acme v=1 1", "good v=2 2"]);
    expect(result.rejected.map((line) => [line.raw, line.reason])).toEqual([
      ["nofields", expect.stringMatching(/missing fields/)],
      ["cpu,=x v=1", expect.stringMatching(/empty tag key/)],
      ["cpu v=NaN", expect.stringMatching(/NaN and Infinity/)],
      ['cpu s="open', expect.stringMatching(/unterminated string/)],
      ["cpu v=1 12.5", expect.stringMatching(/bad timestamp/)],
      ["cpu,t=a v=1 5 garbage", expect.stringMatching(/unexpected text "garbage" after the timestamp/)],
    ]);
  });

  it("rejects invalid UTF-8 and over-long lines with their raw bytes", () => {
    const long = `long v=${"1".repeat(100)}`;
    const message = Buffer.concat([
      Buffer.from(`a v=1\n${long}\n`),
      Buffer.from([0xfe, 0x0a]),
      Buffer.from("b v=2"),
    ]);
    const result = parseMessage(new Uint8Array(message), { maxLineBytes: 100 });
    expect(result.lines.map((line) => line.text)).toEqual(["a v=1", "b v=2"]);
    expect(result.rejected.map((line) => [Buffer.from(line.raw).toString("latin1"), line.reason])).toEqual([
      [long, "line is too long: 107 bytes, the limit is 100"],
      ["\xfe", expect.stringMatching(/invalid UTF-8 at byte 1/)],
    ]);
  });

  it("rejects an empty message", () => {
    expect(parseMessage(new Uint8Array(0))).toEqual({
      lines: [],
      rejected: [{ raw: new Uint8Array(0), reason: "empty message" }],
    });
  });
});
