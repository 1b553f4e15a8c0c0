import { parseLine, parseMessage, rewriteLine } from "@platform-metrics/sdk/line-protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { messageBody, validateMessage } from "../src/validate.js";

const T = 1_700_000_000_000_000_000n;
const STREAM_TIME = 1_700_000_000_123_456_789n;

/** What the relay must send for a line: the SDK's rewrite with the subject's org. */
const rewritten = (line: string, org: string) =>
  rewriteLine(parseLine(line), { tags: { org }, defaultTimestamp: STREAM_TIME });

function validate(subject: string, text: string | Uint8Array) {
  const payload = typeof text === "string" ? new TextEncoder().encode(text) : text;
  return validateMessage(subject, payload, STREAM_TIME);
}

describe("validateMessage", () => {
  const lines = [
    `cpu,host=a,org=acme usage=1 ${T}`,
    `cpu,org=acme v=1i ${T}`,
    `cpu,a=1,org=acme,z=2 v=1i,w="x y" ${T}`,
    `cpu,host=a\\,org\\=acme v=1i ${T}`,
    `cpu\\,org=acme,host=a v=1i ${T}`,
    `cpu,host=a,org=acme-old v=1i ${T}`,
    `cpu,host=a,org=globex v=1i ${T}`,
    `cpu,host=a v=1i ${T}`,
    `cpu,host=a,org=acme v=1i`,
    `cpu,host=a,org=acme  v=1i ${T}`,
    `cpu,host=a,orgx=1,org=acme v=1i ${T}`,
    `cpu,host=é,org=acme v=1i ${T}`,
  ];

  it("sends each line as the SDK's rewrite would, whether or not the line needed one", () => {
    for (const line of lines) {
      const result = validate("metrics.acme.test", line);
      expect(result.rejected, line).toEqual([]);
      expect(result.lines, line).toEqual([rewritten(line, "acme")]);
      expect(messageBody(result).toString(), line).toBe(rewritten(line, "acme"));
    }
  });

  it("builds the same body for a whole message, with or without a trailing newline", () => {
    for (const text of [
      lines.join("\n"),
      `${lines.slice(0, 3).join("\n")}\n`,
      lines.slice(0, 3).join("\n"),
    ]) {
      const result = validate("metrics.acme.test", text);
      const expected = text
        .split("\n")
        .filter(Boolean)
        .map((line) => rewritten(line, "acme"));
      expect(result.lines).toEqual(expected);
      expect(messageBody(result).toString()).toBe(expected.join("\n"));
    }
  });

  it("never takes a multi-byte character for a trailing newline", () => {
    for (const text of [
      `cpu,host=é,org=acme v=1i ${T}`,
      `cpu,host=a,org=acme v=1i ${T}\ncpu,host=é,org=acme v=2i ${T}`,
    ]) {
      const expected = text.split("\n").map((line) => rewritten(line, "acme"));
      expect(messageBody(validate("metrics.acme.test", text)).toString()).toBe(expected.join("\n"));
    }
  });

  it("overrides a spoofed org even when the other lines of the message already carry the right one", () => {
    const result = validate("metrics.acme.test", `cpu,org=acme v=1i ${T}\ncpu,org=globex v=2i ${T}`);
    expect(result.lines).toEqual([`cpu,org=acme v=1i ${T}`, `cpu,org=acme v=2i ${T}`]);
    expect(messageBody(result).toString()).not.toContain("globex");
  });

  it("leaves bad lines out of the body, blank lines and comments too", () => {
    const result = validate(
      "metrics.acme.test",
      `cpu,org=acme v=1i ${T}\n\n# note\ncpu,org=acme ${T}\ncpu,org=acme v=3i ${T}`,
    );
    expect(result.rejected).toHaveLength(1);
    expect(messageBody(result).toString()).toBe(`cpu,org=acme v=1i ${T}\ncpu,org=acme v=3i ${T}`);
  });

  it("refuses a field keyed org, source or cluster and keeps the good lines around it", () => {
    const good = [`k8s_node,host=x cpu=1 ${T}`, `k8s_node,host=x s="a,org=acme",x\\,org=1 ${T}`];
    const bad = [
      `k8s_node,host=x org="acme",cpu=2.5 ${T}`,
      `k8s_node,host=x cpu=2.5,source="x" ${T}`,
      `k8s_node,host=x,org=acme cpu=2.5,cluster=1i ${T}`,
      `k8s_node,host=x org="globex"`,
    ];
    const result = validate("metrics.evil.test", [good[0], ...bad, good[1]].join("\n"));
    expect(result.lines).toEqual(good.map((line) => rewritten(line, "evil")));
    expect(result.rejected.map((one) => one.raw)).toEqual(bad);
    expect(result.rejected[0]!.reason).toMatch(
      /^field key "org" is not allowed: org, source, cluster are tags/,
    );
    expect(result.rejected[1]!.reason).toMatch(/^field key "source"/);
    expect(result.rejected[2]!.reason).toMatch(/^field key "cluster"/);
    expect(messageBody(result).toString()).not.toMatch(/org="/);
  });

  it("refuses a line exactly when one of its decoded field keys is reserved (property-based)", () => {
    const field = fc.constantFrom(
      "org=1",
      'org="acme"',
      "orgx=1",
      "xorg=1",
      "source=1i",
      "cluster=t",
      "clusters=1",
      "cpu=1",
      's="a,org=b"',
      's=",source=1"',
      "a\\,org=1",
      "o\\ rg=1",
    );
    const line = fc
      .uniqueArray(field, { minLength: 1, maxLength: 4, selector: (f) => f.slice(0, f.indexOf("=")) })
      .map((fields) => `cpu,host=a ${fields.join(",")} ${T}`);
    fc.assert(
      fc.property(line, (text) => {
        const fields = Object.keys(parseLine(text).fields);
        const reserved = fields.some((key) => ["org", "source", "cluster"].includes(key));
        const result = validate("metrics.acme.test", text);
        expect(result.rejected.length, text).toBe(reserved ? 1 : 0);
        expect(result.lines.length, text).toBe(reserved ? 0 : 1);
      }),
      { numRuns: 500 },
    );
  });

  it("sends every good line of any message as the SDK's rewrite of it (property-based)", () => {
    // Lines that come close to the as-sent shortcut and just miss it, in any mix.
    const tag = fc.constantFrom(
      "host=a",
      "org=acme",
      "org=globex",
      "org=acme-x",
      "orgx=1",
      "a\\,org=acme",
      "z=é",
    );
    const line = fc
      .tuple(
        fc.constantFrom("cpu", "cpu\\,org=acme", " cpu"),
        fc.array(tag, { maxLength: 3 }),
        fc.constantFrom(" ", "  "),
        fc.constantFrom("v=1i", 'v=1i,s="a,org=acme b"'),
        fc.constantFrom(` ${T}`, "", `  ${T}`, ` ${T} `, " x"),
      )
      .map(
        ([m, tags, gap, fields, time]) => `${m}${tags.map((t) => `,${t}`).join("")}${gap}${fields}${time}`,
      );
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), fc.boolean(), (lines, newline) => {
        const text = lines.join("\n") + (newline ? "\n" : "");
        const payload = new TextEncoder().encode(text);
        const expected = parseMessage(payload).lines.map((l) =>
          rewriteLine(l, { tags: { org: "acme" }, defaultTimestamp: STREAM_TIME }),
        );
        const result = validate("metrics.acme.test", payload);
        expect(result.lines).toEqual(expected);
        if (expected.length > 0) expect(messageBody(result).toString()).toBe(expected.join("\n"));
      }),
      { numRuns: 1000 },
    );
  });
});
