import { describe, expect, it } from "vitest";
import { detectFormat } from "../src/results/detect.js";
import { parseGoTestJson } from "../src/results/go-test-json.js";
import { parseGoogleBenchmark } from "../src/results/google-benchmark.js";
import { parseJsonText } from "../src/results/json-text.js";
import { parseJunit } from "../src/results/junit.js";
import { parsePytestBenchmark } from "../src/results/pytest-benchmark.js";
import { parseResultsSpec } from "../src/results/spec.js";
import { newRunId, projectOfRemote } from "../src/run/identity.js";

describe("result parsers", () => {
  it("go: custom metrics are results of their own; B/op, allocs/op and MB/s stay with ns/op", () => {
    const text = [
      "pkg: example.com/a",
      "BenchmarkX-8   \t    1000\t      1234 ns/op\t  56 B/op\t  2 allocs/op\t  3.5 widgets/op\t 9.75 MB/s",
      "BenchmarkOnlyCustom-8 \t 10 \t 4 frames/op",
      "BenchmarkX-8 is not a result line",
      "BenchmarkNoResult",
    ].join("\n");
    const { bench, problems } = parseGoTestJson(text);
    expect(problems).toEqual([]);
    expect(bench).toEqual([
      {
        suite: "example.com/a",
        name: "BenchmarkX-8",
        unit: "ns/op",
        value: 1234,
        iterations: 1000,
        extras: { bytes_per_op: 56, allocs_per_op: 2, mb_per_s: 9.75 },
      },
      { suite: "example.com/a", name: "BenchmarkX-8", unit: "widgets/op", value: 3.5, iterations: 1000 },
      {
        suite: "example.com/a",
        name: "BenchmarkOnlyCustom-8",
        unit: "frames/op",
        value: 4,
        iterations: 10,
        extras: {},
      },
    ]);
  });

  it("go: an event of the wrong shape is named by its line", () => {
    const text = '{"Action":"pass","Test":"TestA","Package":"p"}\n{"Action":7}\n';
    const { tests, problems } = parseGoTestJson(text);
    expect(tests).toEqual([{ suite: "p", name: "TestA", status: "pass", durationSeconds: undefined }]);
    expect(problems).toEqual([expect.stringMatching(/^line 2: not a go test -json event \(Action: /)]);
  });

  it("Google Benchmark: errored runs are warned about, complexity fits skipped, bad entries named", () => {
    const doc = {
      context: { executable: "/build/bench_x" },
      benchmarks: [
        { name: "BM_ok", run_type: "iteration", iterations: 10, real_time: 5, cpu_time: 4, time_unit: "us" },
        { name: "BM_err", error_occurred: true, error_message: "no device", real_time: 0 },
        { name: "BM_f_BigO", big_o: "N", real_coefficient: 1.5, cpu_coefficient: 1.4 },
        { name: "BM_bad", real_time: "slow" },
        {
          name: "BM_f_cv",
          run_type: "aggregate",
          aggregate_unit: "percentage",
          real_time: 0.02,
          time_unit: "ns",
        },
      ],
    };
    const { bench, problems } = parseGoogleBenchmark(JSON.stringify(doc));
    expect(bench.map((b) => [b.suite, b.name, b.unit, b.value])).toEqual([
      ["bench_x", "BM_ok", "us", 5],
      ["bench_x", "BM_f_cv", "ratio", 0.02],
    ]);
    expect(problems).toEqual([
      'benchmarks[1] ("BM_err"): the benchmark reported an error: no device',
      expect.stringMatching(/^benchmarks\[3\] \("BM_bad"\): real_time: /),
    ]);
  });

  it("pytest-benchmark: the group is the suite when set", () => {
    const doc = {
      machine_info: {},
      benchmarks: [
        {
          group: "io",
          name: "test_r",
          fullname: "t.py::test_r",
          stats: { mean: 2, rounds: 3, iterations: 4 },
        },
      ],
    };
    expect(parsePytestBenchmark(JSON.stringify(doc)).bench).toEqual([
      {
        suite: "io",
        name: "test_r",
        unit: "s",
        value: 2,
        iterations: 12,
        extras: { stddev: undefined, median: undefined, min: undefined, max: undefined, rounds: 3 },
      },
    ]);
  });

  it("JUnit: nested suites, error and skipped cases, a root <testsuite>, a bad time attribute", () => {
    const xml = `<?xml version="1.0"?>
<testsuites>
  <testsuite name="outer">
    <testsuite name="inner">
      <testcase name="a" time="0.5"/>
      <testcase name="b" classname="pkg.B" time="1e-3"><error message="boom"/></testcase>
    </testsuite>
    <testcase name="c" time="soon"><skipped/></testcase>
  </testsuite>
</testsuites>`;
    const { tests, problems } = parseJunit(xml);
    expect(tests).toEqual([
      { suite: "inner", name: "a", status: "pass", durationSeconds: 0.5 },
      { suite: "pkg.B", name: "b", status: "error", durationSeconds: 0.001 },
      { suite: "outer", name: "c", status: "skip", durationSeconds: undefined },
    ]);
    expect(problems).toEqual([
      'testsuites/testsuite[1]/testcase[1] ("c"): time "soon": expected seconds, e.g. 0.25; written without it',
    ]);
    const single = parseJunit('<testsuite name="s"><testcase name="x"><failure/></testcase></testsuite>');
    expect(single.tests).toEqual([{ suite: "s", name: "x", status: "fail", durationSeconds: undefined }]);
    expect(parseJunit('<?xml version="1.0"?>\n<testsuites/>')).toEqual({
      bench: [],
      tests: [],
      problems: [],
    });
    expect(parseJunit("<html><body/></html>").problems).toEqual([
      "not JUnit XML: no <testsuites> or <testsuite> element at the top",
    ]);
  });

  it("JSON errors say where, and call an error at the very end a truncation", () => {
    expect(parseJsonText('{\n  "a": [1,\n')).toEqual({
      ok: false,
      error: expect.stringMatching(/^JSON ends too early \(truncated\?\) at line 3, column 1: /),
    });
    expect(parseJsonText('{\n  "a": 1 "b": 2\n}')).toEqual({
      ok: false,
      error: expect.stringMatching(/^invalid JSON at line 2, column 10: /),
    });
  });
});

describe("format detection", () => {
  it.each([
    ['{"Time":"2026-01-01T00:00:00Z","Action":"run","Package":"p"}\n', "go-test-json"],
    ["BenchmarkA-2 \t 100 \t 5.5 ns/op\n", "go-test-json"],
    ['{\n  "context": {"date": "x"},\n  "benchmarks": []\n}', "google-benchmark"],
    ['{"machine_info": {}, "benchmarks": []}', "pytest-benchmark"],
    ['{\n  "results": [\n    {"command": "tr', "hyperfine"],
    ['<?xml version="1.0"?>\n<testsuites name="x">', "junit"],
    ["<testsuite/>", "junit"],
    ["hello", undefined],
    ['{"other": 1}', undefined],
  ])("%j is %s", (text, format) => {
    expect(detectFormat(text)).toBe(format);
  });
});

describe("--results and run identity", () => {
  it("parses FORMAT[=FILE] and says what was expected", () => {
    expect(parseResultsSpec("junit=out/a=b.xml")).toEqual({ format: "junit", file: "out/a=b.xml" });
    expect(parseResultsSpec("auto")).toEqual({ format: "auto", file: undefined });
    expect(parseResultsSpec("junit=")).toBe('expected a file name after "junit="');
    expect(parseResultsSpec("xml")).toMatch(
      /^expected FORMAT or FORMAT=FILE with FORMAT one of go-test-json, /,
    );
  });

  it.each([
    ["git@github.com:acme/widgets.git", "acme/widgets"],
    ["https://bot:s3cret@gitlab.com/acme/sub/widgets.git", "acme/sub/widgets"],
    ["ssh://git@host.example:2222/acme/widgets", "acme/widgets"],
    ["file:///srv/git/widgets.git", "widgets"],
    ["/srv/git/widgets.git", "widgets"],
  ])("project of remote %s is %s", (url, project) => {
    expect(projectOfRemote(url)).toBe(project);
  });

  it("run ids sort by start time", () => {
    expect(newRunId(new Date("2026-12-02T17:35:12.345Z"))).toMatch(/^20261202T173512Z-[0-9a-f]{6}$/);
  });
});
