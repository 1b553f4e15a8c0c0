import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FioOutputError, parseFioJson } from "../src/fio/parse-fio-json.js";
import { FIXTURES } from "./helpers.js";

const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");

describe("parseFioJson", () => {
  it("reads fio 3.33 output: ns latencies, bytes, bw_bytes", () => {
    const text = fixture("fio-3.33-rand-read.json");
    const raw = JSON.parse(text).jobs[0].read;
    const parsed = parseFioJson(text);
    expect(parsed.version).toBe("fio-3.33");
    expect(parsed.jobs).toHaveLength(1);
    const [read] = parsed.jobs[0]!.directions;
    // The write direction did no I/O and is left out.
    expect(parsed.jobs[0]!.directions).toHaveLength(1);
    expect(read).toEqual({
      rw: "read",
      bwBytes: raw.bw_bytes,
      iops: raw.iops,
      ioBytes: raw.io_bytes,
      ios: raw.total_ios,
      runtimeSeconds: raw.runtime / 1000,
      errors: 0,
      latMeanNs: raw.clat_ns.mean,
      latP50Ns: raw.clat_ns.percentile["50.000000"],
      latP99Ns: raw.clat_ns.percentile["99.000000"],
      latP999Ns: raw.clat_ns.percentile["99.900000"],
    });
  });

  it("reports the fsync latencies of fio 3.33 as rw=sync", () => {
    const text = fixture("fio-3.33-fsync.json");
    const raw = JSON.parse(text).jobs[0];
    const directions = parseFioJson(text).jobs[0]!.directions;
    expect(directions.map((d) => d.rw)).toEqual(["write", "sync"]);
    const sync = directions[1]!;
    expect(sync.ios).toBe(raw.sync.total_ios);
    expect(sync.latMeanNs).toBe(raw.sync.lat_ns.mean);
    expect(sync.latP99Ns).toBe(raw.sync.lat_ns.percentile["99.000000"]);
    expect(sync.iops).toBeCloseTo(raw.sync.total_ios / (raw.write.runtime / 1000), 6);
    expect(sync.bwBytes).toBeUndefined();
  });

  it("converts fio 2.x units: io_bytes and bw in KiB, clat in µs", () => {
    const parsed = parseFioJson(fixture("fio-2.2.10-rand-write.json"));
    expect(parsed.version).toBe("fio-2.2.10");
    const directions = parsed.jobs[0]!.directions;
    expect(directions).toHaveLength(1);
    expect(directions[0]).toEqual({
      rw: "write",
      bwBytes: 8192 * 1024,
      iops: 2048,
      ioBytes: 81920 * 1024,
      ios: 20480,
      runtimeSeconds: 10,
      errors: 0,
      latMeanNs: 485_120,
      latP50Ns: 454_000,
      latP99Ns: 1_176_000,
      latP999Ns: 2_544_000,
    });
  });

  it("uses bw (KiB/s) where bw_bytes is missing, as in fio 3.0 and 3.1", () => {
    const doc = JSON.parse(fixture("fio-3.33-rand-read.json"));
    delete doc.jobs[0].read.bw_bytes;
    const [read] = parseFioJson(JSON.stringify(doc)).jobs[0]!.directions;
    expect(read!.bwBytes).toBe(doc.jobs[0].read.bw * 1024);
    expect(read!.latMeanNs).toBe(doc.jobs[0].read.clat_ns.mean);
  });

  it("returns a failed job's error number and no directions", () => {
    const parsed = parseFioJson(fixture("fio-3.33-einval-direct.json"));
    expect(parsed.jobs[0]!.error).toBe(22);
    expect(parsed.jobs[0]!.directions).toEqual([]);
  });

  it("skips lines fio prints before the JSON document", () => {
    const text = `note: both iodepth >= 1 and synchronous I/O engine are selected\n${fixture("fio-3.33-rand-read.json")}`;
    expect(parseFioJson(text).jobs[0]!.directions).toHaveLength(1);
  });

  it("leaves out percentiles fio did not report", () => {
    const doc = JSON.parse(fixture("fio-3.33-rand-read.json"));
    delete doc.jobs[0].read.clat_ns.percentile;
    const [read] = parseFioJson(JSON.stringify(doc)).jobs[0]!.directions;
    expect(read!.latMeanNs).toBe(doc.jobs[0].read.clat_ns.mean);
    expect(read!.latP99Ns).toBeUndefined();
  });

  it.each([
    ["empty output", "", /no JSON document: \(empty output\)/],
    ["text", "fio: engine libfoo not loadable", /no JSON document: "fio: engine libfoo not loadable"/],
    ["truncated JSON", '{\n  "jobs" : [ { "jobname" : "x"', /malformed JSON/],
    ["no jobs", '{ "fio version" : "fio-3.33", "jobs" : [] }', /jobs: .*at least 1|jobs: .*>=1/i],
    ["a job without error", '{ "jobs" : [ { "jobname" : "x" } ] }', /jobs\[0\]\.error/],
  ])("refuses %s with a clear error", (_, text, message) => {
    expect(() => parseFioJson(text)).toThrow(FioOutputError);
    expect(() => parseFioJson(text)).toThrow(message);
  });

  it("names the missing field when a direction lacks iops", () => {
    const doc = JSON.parse(fixture("fio-3.33-rand-read.json"));
    delete doc.jobs[0].read.iops;
    expect(() => parseFioJson(JSON.stringify(doc))).toThrow(/jobs\[0\]\.read\.iops: .*expected number/);
  });

  it("names the direction that has no completion latency at all", () => {
    const doc = JSON.parse(fixture("fio-3.33-rand-read.json"));
    delete doc.jobs[0].read.clat_ns;
    expect(() => parseFioJson(JSON.stringify(doc))).toThrow(
      /jobs\[0\]\.read has neither clat_ns \(fio 3\) nor clat \(fio 2\)/,
    );
  });
});
