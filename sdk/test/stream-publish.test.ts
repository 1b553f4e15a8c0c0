import { describe, expect, it } from "vitest";
import { parsePubAck } from "../src/publish/stream-publish.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("JetStream ack", () => {
  it("reads the stream, sequence and duplicate flag", () => {
    expect(parsePubAck(bytes('{"stream":"METRICS","seq":7}'))).toEqual({
      stream: "METRICS",
      seq: 7,
      duplicate: false,
    });
    expect(parsePubAck(bytes('{"stream":"METRICS","seq":7,"duplicate":true}')).duplicate).toBe(true);
  });

  it("throws on a refusal, naming the stream's reason", () => {
    expect(() =>
      parsePubAck(bytes('{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"}}')),
    ).toThrow(/refused the message: maximum messages exceeded \(code 503, err_code 10077\)/);
  });

  it("throws on an answer that is not an ack", () => {
    expect(() => parsePubAck(bytes("+OK"))).toThrow(/not JSON/);
    expect(() => parsePubAck(bytes('{"seq":1}'))).toThrow(/invalid ack/);
  });
});
