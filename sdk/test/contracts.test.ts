import { describe, expect, it } from "vitest";
import {
  deadLetterSubject,
  influxReplicas,
  isOrgName,
  metricsSubject,
  parseInfluxReplicas,
  parseMetricsSubject,
} from "../src/contracts/index.js";

describe("org names", () => {
  it("allows lowercase letters, digits, - and _ up to 63 characters, starting with a letter or digit", () => {
    for (const name of ["acme", "platform", "a", "0", "team-a_1", "x".repeat(63)])
      expect(isOrgName(name)).toBe(true);
  });

  it("refuses anything that could reach into another org's subjects or break a tag", () => {
    for (const name of [
      "",
      "Acme",
      "a.b",
      "a*",
      ">",
      "a b",
      "-a",
      "_a",
      "x".repeat(64),
      "ä",
      "a\n",
      "a,b",
      "a=b",
    ])
      expect(isOrgName(name), JSON.stringify(name)).toBe(false);
    for (const value of [undefined, null, 1, {}, ["acme"]]) expect(isOrgName(value)).toBe(false);
  });
});

describe("metrics subjects", () => {
  it("builds metrics.<org>.<source> and reads it back", () => {
    expect(metricsSubject("acme", "k8s-api")).toBe("metrics.acme.k8s-api");
    expect(parseMetricsSubject(metricsSubject("acme", "k8s-api"))).toEqual({
      org: "acme",
      source: "k8s-api",
    });
    expect(deadLetterSubject("metrics.acme.x")).toBe("deadletter.metrics.acme.x");
  });

  it("takes any one-token source, as Telegraf and other publishers name themselves", () => {
    expect(parseMetricsSubject("metrics.acme.Telegraf_01")).toEqual({ org: "acme", source: "Telegraf_01" });
  });

  it("refuses subjects whose org breaks the rule, or that are not exactly three tokens", () => {
    for (const subject of [
      "metrics.Acme.x",
      "metrics.a*.x",
      "metrics..x",
      "metrics.acme",
      "metrics.acme.x.y",
      "metrics.acme.*",
      "metrics.acme.>",
      "metrics.acme.a b",
      "other.acme.x",
      `metrics.${"a".repeat(64)}.x`,
      "",
    ])
      expect(parseMetricsSubject(subject), subject).toBeUndefined();
  });
});

describe("PM_INFLUX_URLS", () => {
  it("reads name=url pairs, trims blanks and trailing slashes, keeps a proxy's base path", () => {
    expect(
      parseInfluxReplicas(" a=http://influx-a:8086/ , b = https://influx-b.example:443/influx/,"),
    ).toEqual([
      { name: "a", url: "http://influx-a:8086" },
      { name: "b", url: "https://influx-b.example:443/influx" },
    ]);
  });

  it.each([
    ["", /at least one replica/],
    [" , ,", /at least one replica/],
    ["http://influx-a:8086", /expected name=http/],
    ["=http://influx-a:8086", /expected name=http/],
    ["A=http://influx-a:8086", /expected name=http/],
    ["a.b=http://influx-a:8086", /expected name=http/],
    [`${"a".repeat(33)}=http://influx-a:8086`, /expected name=http/],
    ["a=", /replica a: expected an http/],
    ["a=influx-a:8086", /replica a: expected an http/],
    ["a=ftp://influx-a:8086", /replica a: expected an http/],
    ["a=http://", /replica a: expected an http/],
    ["a=http:///path", /replica a: expected an http/],
    ["a=http://influx a:8086", /replica a: expected an http/],
    ["a=http://influx-a:99999", /replica a: expected a URL/],
    ["a=http://user:secret@influx-a:8086", /no user or password in the URL/],
    ["a=http://influx-a:8086/?db=x", /no \?query or #fragment/],
    ["a=http://influx-a:8086/#x", /no \?query or #fragment/],
    ["a=http://influx-a:8086,a=http://influx-b:8086", /"a" appears twice/],
  ])("refuses %j, naming what is wrong", (text, message) => {
    expect(() => parseInfluxReplicas(text)).toThrow(message);
  });

  it("never repeats a password given in a URL", () => {
    expect(() => parseInfluxReplicas("a=http://user:hunter2@influx-a:8086")).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("hunter2") }),
    );
  });

  it("is a config value whose issue is the parser's message", () => {
    const result = influxReplicas.safeParse("a=ftp://x");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/replica a: expected an http/);
    expect(influxReplicas.safeParse(undefined).error?.issues[0]?.message).toMatch(/required/);
  });
});
