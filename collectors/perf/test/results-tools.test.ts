// Real benchmark tools from Debian's packages (hyperfine, g++ with libbenchmark-dev, pytest with
// python3-pytest-benchmark, golang-go), each run through run mode into a file sink: every result the
// tool printed must come back as a point with the same value. Benchmarks are tiny on purpose.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, type Line, tempDir } from "./helpers.js";
import { perfRun, pointsOf, runMode } from "./run-mode.js";

afterEach(cleanup);

const find = (points: Line[], tags: Record<string, string | undefined>) =>
  points.filter((point) => Object.entries(tags).every(([key, value]) => point.tags[key] === value));

/** Every bench_result shares the perf_run's run tag and identity. */
function expectOneRun(points: Line[], run: Line): void {
  for (const point of points) {
    expect(point.tags.run).toBe(run.tags.run);
    expect(point.tags.host).toBe(run.tags.host);
    expect(point.tags.project).toBe(run.tags.project);
  }
}

describe("run mode reads the results of real benchmark tools", () => {
  it("hyperfine --export-json: one point per command with its mean, spread and runs", async () => {
    const dir = tempDir();
    const file = join(dir, "hyperfine.json");
    const result = await runMode([
      "--results",
      `hyperfine=${file}`,
      "--",
      "hyperfine",
      "--runs",
      "3",
      "-N",
      "--export-json",
      file,
      "true",
      "sleep 0",
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Benchmark 1: true");
    const printed = JSON.parse(readFileSync(file, "utf8")) as {
      results: {
        command: string;
        mean: number;
        stddev: number;
        median: number;
        min: number;
        max: number;
        times: number[];
      }[];
    };
    const bench = pointsOf(result, "bench_result");
    expect(bench).toHaveLength(printed.results.length);
    for (const entry of printed.results) {
      const [point] = find(bench, {
        name: entry.command,
        suite: "hyperfine",
        unit: "s",
        format: "hyperfine",
      });
      expect(point?.fields).toMatchObject({
        value: entry.mean,
        stddev: entry.stddev,
        median: entry.median,
        min: entry.min,
        max: entry.max,
        iterations: entry.times.length,
      });
    }
    const run = perfRun(result);
    expect(run.fields).toMatchObject({
      exit_code: 0,
      bench_results: 2,
      test_results: 0,
      results_problems: 0,
    });
    expectOneRun(bench, run);
    expect(result.warnings).toEqual([]);
  });

  it("a Google Benchmark binary's JSON on stdout: every repetition, aggregate and counter", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "bm.cc"),
      `#include <benchmark/benchmark.h>
#include <string>
static void BM_Copy(benchmark::State& state) {
  std::string s(64, 'x');
  for (auto _ : state) { std::string t = s; benchmark::DoNotOptimize(t); }
  state.SetBytesProcessed(state.iterations() * 64);
  state.counters["widgets"] = 3;
}
BENCHMARK(BM_Copy)->Iterations(1000);
static void BM_Sum(benchmark::State& state) {
  int x = 0;
  for (auto _ : state) benchmark::DoNotOptimize(x += 1);
}
BENCHMARK(BM_Sum)->Iterations(500)->Repetitions(3);
BENCHMARK_MAIN();
`,
    );
    execFileSync("g++", ["-O1", "-o", join(dir, "bm"), join(dir, "bm.cc"), "-lbenchmark", "-lpthread"]);
    const result = await runMode(
      ["--results", "google-benchmark", "--", join(dir, "bm"), "--benchmark_format=json"],
      { env: { PM_LOG_LEVEL: "silent" } },
    );
    expect(result.code).toBe(0);
    // The command's stdout reached the caller unchanged: it is still the tool's JSON document.
    const printed = JSON.parse(result.stdout) as {
      context: { executable: string };
      benchmarks: Record<string, unknown>[];
    };
    const bench = pointsOf(result, "bench_result");
    const timed = printed.benchmarks.filter((entry) => typeof entry.real_time === "number");
    expect(timed.length).toBe(8); // BM_Copy, 3 repetitions of BM_Sum, and its mean, median, stddev, cv
    const repeated = (name: unknown) => timed.filter((entry) => entry.name === name).length > 1;
    let counters = 0;
    for (const entry of timed) {
      const ratio = entry.aggregate_unit === "percentage";
      const tags = {
        suite: "bm",
        name: entry.name as string,
        unit: ratio ? "ratio" : (entry.time_unit as string),
        repetition: repeated(entry.name) ? String((entry.repetition_index as number) + 1) : undefined,
      };
      const matches = find(bench, tags);
      expect(matches, JSON.stringify(tags)).toHaveLength(1);
      expect(matches[0]!.fields).toMatchObject({
        value: entry.real_time,
        cpu_time: entry.cpu_time,
        iterations: entry.iterations,
      });
      if (entry.bytes_per_second !== undefined)
        expect(matches[0]!.fields.bytes_per_second).toBe(entry.bytes_per_second);
      if (typeof entry.widgets === "number") {
        counters++;
        const [counter] = find(bench, { ...tags, unit: "widgets" });
        expect(counter?.fields.value).toBe(entry.widgets);
      }
    }
    expect(counters).toBe(1);
    expect(bench).toHaveLength(timed.length + counters);
    expectOneRun(bench, perfRun(result));
  });

  it("pytest --benchmark-json: one point per benchmark with the stats it printed", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "test_tiny.py"),
      `def add(a, b):
    return a + b

def test_add(benchmark):
    assert benchmark.pedantic(add, args=(1, 2), rounds=5, iterations=10) == 3

def test_join(benchmark):
    assert benchmark.pedantic("".join, args=(["a", "b"],), rounds=3, iterations=2) == "ab"
`,
    );
    const file = join(dir, "bench.json");
    const result = await runMode(
      [
        "--results",
        `pytest-benchmark=${file}`,
        "--",
        "/usr/bin/python3",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        `--benchmark-json=${file}`,
        "test_tiny.py",
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("2 passed");
    const printed = JSON.parse(readFileSync(file, "utf8")) as {
      benchmarks: { name: string; stats: Record<string, number> }[];
    };
    const bench = pointsOf(result, "bench_result");
    expect(bench).toHaveLength(2);
    for (const { name, stats } of printed.benchmarks) {
      const [point] = find(bench, { name, suite: "test_tiny.py", unit: "s" });
      expect(point?.fields).toMatchObject({
        value: stats.mean,
        stddev: stats.stddev,
        median: stats.median,
        min: stats.min,
        max: stats.max,
        rounds: stats.rounds,
        iterations: stats.rounds! * stats.iterations!,
      });
    }
    expectOneRun(bench, perfRun(result));
  });

  it("go test -json -bench on stdout: ns/op with B/op and allocs/op, custom metrics, and the tests", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "go.mod"), "module example.com/tiny\n\ngo 1.19\n");
    writeFileSync(
      join(dir, "tiny_test.go"),
      `package tiny

import "testing"

func TestPass(t *testing.T) {}
func TestSkip(t *testing.T) { t.Skip("not here") }

func BenchmarkAppend(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = append(make([]byte, 0, 8), "ab"...)
	}
	b.ReportMetric(3.5, "widgets/op")
}

func BenchmarkSum(b *testing.B) {
	b.SetBytes(64)
	x := 0
	for i := 0; i < b.N; i++ {
		x += i
	}
	_ = x
}
`,
    );
    // A cache of its own: the shared machine's cache stays as it is, and it goes with the temp dir.
    const goEnv = {
      GOCACHE: join(dir, "gocache"),
      GOPATH: join(dir, "gopath"),
      GOFLAGS: "-mod=mod",
      GOPROXY: "off",
      GOTOOLCHAIN: "local",
    };
    const result = await runMode(
      [
        "--results",
        "go-test-json",
        "--",
        "go",
        "test",
        "-json",
        "-bench",
        ".",
        "-benchtime",
        "100x",
        "-count",
        "2",
        ".",
      ],
      { cwd: dir, env: goEnv, timeoutMs: 180_000 },
    );
    expect(result.code, result.stdout).toBe(0);
    const events = result.stdout
      .split("\n")
      .filter((line) => line.startsWith('{"Time"'))
      .map(
        (line) => JSON.parse(line) as { Action: string; Test?: string; Output?: string; Elapsed?: number },
      );
    // What go printed: benchmark lines, as a reader of its output sees them (events joined).
    const printedLines = events
      .map((event) => event.Output ?? "")
      .join("")
      .split("\n")
      .filter((line) => /^Benchmark\S+\s+\d+\s/.test(line));
    expect(printedLines).toHaveLength(4); // two benchmarks, -count 2
    const bench = pointsOf(result, "bench_result");
    const seen = new Map<string, number>();
    for (const line of printedLines) {
      const [name = "", iterations, ...pairs] = line.trim().split(/\s+/);
      const repetition = (seen.get(name) ?? 0) + 1;
      seen.set(name, repetition);
      const metrics = new Map<string, number>();
      for (let i = 0; i < pairs.length; i += 2) metrics.set(pairs[i + 1]!, Number(pairs[i]));
      const [main] = find(bench, {
        name,
        unit: "ns/op",
        suite: "example.com/tiny",
        repetition: String(repetition),
      });
      expect(main?.fields.value, line).toBe(metrics.get("ns/op"));
      expect(main?.fields.iterations).toBe(Number(iterations));
      if (metrics.has("B/op")) expect(main?.fields.bytes_per_op).toBe(metrics.get("B/op"));
      if (metrics.has("allocs/op")) expect(main?.fields.allocs_per_op).toBe(metrics.get("allocs/op"));
      if (metrics.has("MB/s")) expect(main?.fields.mb_per_s).toBe(metrics.get("MB/s"));
      if (metrics.has("widgets/op")) {
        const [custom] = find(bench, { name, unit: "widgets/op", repetition: String(repetition) });
        expect(custom?.fields.value).toBe(3.5);
      }
    }
    expect(bench).toHaveLength(printedLines.length + 2); // and BenchmarkAppend's widgets/op twice
    const tests = pointsOf(result, "test_result");
    const ended = events.filter((event) => event.Test && ["pass", "fail", "skip"].includes(event.Action));
    expect(tests).toHaveLength(ended.length);
    expect(find(tests, { name: "TestPass", status: "pass", repetition: "1" })).toHaveLength(1);
    expect(find(tests, { name: "TestSkip", status: "skip", repetition: "2" })).toHaveLength(1);
    const run = perfRun(result);
    expect(run.fields).toMatchObject({
      bench_results: bench.length,
      test_results: tests.length,
      tests_failed: 0,
    });
    expectOneRun([...bench, ...tests], run);
  });
});
