// Run mode with result files that are broken, stale, missing or of a format to detect; JUnit XML
// from vitest's own reporter; and the run's identity from git and from CI variables.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, cleanup, parseLines, tempDir } from "./helpers.js";
import { perfRun, pointsOf, runMode } from "./run-mode.js";

afterEach(cleanup);

const VITEST = fileURLToPath(new URL("../../../node_modules/vitest/vitest.mjs", import.meta.url));

const hyperfineJson = (results: unknown[]) => `${JSON.stringify({ results }, null, 2)}\n`;
const hyperfineEntry = (command: string, mean: unknown) => ({
  command,
  mean,
  stddev: 0.001,
  median: 0.01,
  user: 0.002,
  system: 0.003,
  min: 0.009,
  max: 0.012,
  times: [0.01, 0.011],
  exit_codes: [0, 0],
});

/** A command that writes `text` to `file` and exits with `code`. */
function writeThenExit(dir: string, file: string, text: string, code = 0): string[] {
  const source = join(dir, "source.txt");
  writeFileSync(source, text);
  return ["sh", "-c", `cat '${source}' > '${file}'; exit ${code}`];
}

describe("run mode with broken or odd result files", () => {
  it("a truncated JSON file: a warning naming the line and column, the exit code and perf_run kept", async () => {
    const dir = tempDir();
    const file = join(dir, "out.json");
    const full = hyperfineJson([hyperfineEntry("a", 0.01), hyperfineEntry("b", 0.02)]);
    const cut = full.slice(0, full.indexOf('"b"') + 3);
    const result = await runMode([
      "--results",
      `hyperfine=${file}`,
      "--",
      ...writeThenExit(dir, file, cut, 3),
    ]);
    expect(result.code).toBe(3);
    const lines = cut.split("\n");
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain(
      `results from ${file} (hyperfine): JSON ends too early (truncated?) at line ${lines.length}, column ${lines.at(-1)!.length + 1}: `,
    );
    expect(pointsOf(result, "bench_result")).toEqual([]);
    expect(perfRun(result).fields).toMatchObject({ exit_code: 3, bench_results: 0, results_problems: 1 });
  });

  it("a malformed entry is left out with a warning naming it; the good ones are written", async () => {
    const dir = tempDir();
    const file = join(dir, "out.json");
    const text = hyperfineJson([
      hyperfineEntry("a", 0.01),
      hyperfineEntry("b", "fast"),
      hyperfineEntry("c", 0.03),
    ]);
    const result = await runMode(["--results", `hyperfine=${file}`, "--", ...writeThenExit(dir, file, text)]);
    expect(result.code).toBe(0);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(
      /^results from .*out\.json \(hyperfine\): results\[1\] \("b"\): mean: .*number/,
    );
    const bench = pointsOf(result, "bench_result");
    expect(bench.map((point) => [point.tags.name, point.fields.value])).toEqual([
      ["a", 0.01],
      ["c", 0.03],
    ]);
    expect(perfRun(result).fields).toMatchObject({ bench_results: 2, results_problems: 1 });
  });

  it("go test -json cut off mid-line: the events before it are kept, the line is named", async () => {
    const dir = tempDir();
    const file = join(dir, "go.json");
    const events = [
      { Action: "run", Package: "p", Test: "TestA" },
      { Action: "pass", Package: "p", Test: "TestA", Elapsed: 0.5 },
      {
        Action: "output",
        Package: "p",
        Output: "BenchmarkX-4   \t     200\t      12.5 ns/op\t       8 B/op\t       1 allocs/op\n",
      },
      { Action: "fail", Package: "p", Test: "TestB", Elapsed: 0.25 },
    ].map((event) => JSON.stringify(event));
    const text = `${events.join("\n")}\n{"Action":"pass","Pack`;
    const result = await runMode([
      "--results",
      `go-test-json=${file}`,
      "--",
      ...writeThenExit(dir, file, text),
    ]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/\(go-test-json\): line 5: not a go test -json event/);
    const tests = pointsOf(result, "test_result");
    expect(
      tests.map((t) => [t.tags.name, t.tags.status, t.fields.duration_seconds, t.fields.failed]),
    ).toEqual([
      ["TestA", "pass", 0.5, 0],
      ["TestB", "fail", 0.25, 1],
    ]);
    const [bench] = pointsOf(result, "bench_result");
    expect(bench?.tags).toMatchObject({ suite: "p", name: "BenchmarkX-4", unit: "ns/op" });
    expect(bench?.fields).toEqual({ value: 12.5, iterations: 200, bytes_per_op: 8, allocs_per_op: 1 });
    expect(perfRun(result).fields).toMatchObject({ bench_results: 1, test_results: 2, tests_failed: 1 });
  });

  it("XML that is not well-formed: no test results (a cut-off case could read as passed), the line named", async () => {
    const dir = tempDir();
    const file = join(dir, "junit.xml");
    const text = '<testsuites>\n  <testsuite name="s">\n    <testcase name="a" time="0.1">\n';
    const result = await runMode(["--results", `junit=${file}`, "--", ...writeThenExit(dir, file, text)]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/\(junit\): invalid XML at line \d+, column \d+: /);
    expect(pointsOf(result, "test_result")).toEqual([]);
    expect(perfRun(result).fields).toMatchObject({ test_results: 0, results_problems: 1 });
  });

  it("hostile XML (an entity past the parser's limits) is a warning, and the run is still recorded", async () => {
    const dir = tempDir();
    const file = join(dir, "junit.xml");
    const text = `<?xml version="1.0"?>
<!DOCTYPE t [<!ENTITY big "${"x".repeat(20_000)}">]>
<testsuites><testsuite name="s"><testcase name="&big;"/></testsuite></testsuites>
`;
    const result = await runMode(["--results", `junit=${file}`, "--", ...writeThenExit(dir, file, text, 5)]);
    expect(result.code).toBe(5);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/\(junit\): cannot parse it: .*exceeds maximum allowed size/);
    expect(pointsOf(result, "test_result")).toEqual([]);
    expect(perfRun(result).fields).toMatchObject({ exit_code: 5, results_problems: 1 });
  });

  it("a result file the command did not write, or left from an earlier run, is not read", async () => {
    const dir = tempDir();
    const stale = join(dir, "stale.json");
    writeFileSync(stale, hyperfineJson([hyperfineEntry("old", 0.5)]));
    const left = await runMode(["--results", `hyperfine=${stale}`, "--", "true"]);
    expect(left.warnings).toEqual([
      `results from ${stale} (hyperfine): the command did not change it (left from an earlier run?): not read`,
    ]);
    expect(pointsOf(left, "bench_result")).toEqual([]);
    const missing = join(dir, "missing.json");
    const none = await runMode(["--results", `hyperfine=${missing}`, "--", "true"]);
    expect(none.code).toBe(0);
    expect(none.warnings).toEqual([
      `results from ${missing} (hyperfine): the command did not write it (no such file)`,
    ]);
    expect(perfRun(none).fields).toMatchObject({ exit_code: 0, results_problems: 1 });
  });

  it("--results auto detects the format from stdout, which the caller still gets byte for byte", async () => {
    const output = "goos: linux\npkg: example.com/x\nBenchmarkY-2   \t    1000\t       7.25 ns/op\nok\n";
    const source = join(tempDir(), "printed.txt");
    writeFileSync(source, output);
    const result = await runMode(["--results", "auto", "--", "cat", source], {
      env: { PM_LOG_LEVEL: "silent" },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(output);
    const [bench] = pointsOf(result, "bench_result");
    expect(bench?.tags).toMatchObject({
      format: "go-test-json",
      suite: "example.com/x",
      name: "BenchmarkY-2",
    });
    expect(bench?.fields).toEqual({ value: 7.25, iterations: 1000 });
  });

  it("a reader of stdout that goes away (| head) does not end the collector nor lose the results", async () => {
    const dir = tempDir();
    const sink = join(dir, "points.lp");
    const script =
      'i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done; printf "BenchmarkZ-2 \\t 10 \\t 5 ns/op\\n"';
    const child = spawn(process.execPath, [BIN, "--results", "go-test-json", "--", "sh", "-c", script], {
      env: {
        ...process.env,
        PM_SINK: `file:${sink}`,
        PM_HTTP_PORT: "0",
        PM_GPU: "false",
        PM_LOG_LEVEL: "silent",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    // Like `| head -1`: read the first chunk, then close the pipe.
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
    expect(code).toBe(0);
    const points = parseLines(readFileSync(sink, "utf8"));
    const bench = points.find((point) => point.measurement === "bench_result");
    expect(bench?.tags.name).toBe("BenchmarkZ-2");
    expect(bench?.fields.value).toBe(5);
    expect(points.filter((point) => point.measurement === "perf_run")).toHaveLength(1);
  });

  it("output that is no known format is a warning, and the run is still recorded", async () => {
    const result = await runMode(["--results", "auto", "--", "sh", "-c", "echo hello; exit 4"]);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain("hello\n");
    expect(result.warnings).toEqual([
      "results from stdout: cannot tell its format; give it with --results FORMAT (go-test-json, google-benchmark, pytest-benchmark, hyperfine, junit)",
    ]);
    expect(perfRun(result).fields).toMatchObject({ exit_code: 4, results_problems: 1 });
  });

  it("refuses an unknown format, and --results without a command, at start with exit 2", async () => {
    const unknown = await runMode(["--results", "csv=x", "--", "true"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("expected FORMAT or FORMAT=FILE with FORMAT one of go-test-json");
    const noCommand = await runMode(["--results", "junit=x.xml", "--pid", String(process.pid)]);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toContain("PM_RESULTS (--results): results are read in launch mode only");
  });
});

describe("run mode with JUnit XML from vitest's own reporter", () => {
  it("writes one test_result per case, with its status and time, and passes vitest's exit code", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "tiny.test.js"),
      `describe("tiny", () => {
  test("passes", () => { expect(1).toBe(1); });
  test("fails", () => { expect(1).toBe(2); });
  // One skipped case on purpose, so the JUnit report holds each status.
  test.skip("skipped", () => {});
});
`,
    );
    const file = join(dir, "junit.xml");
    const result = await runMode(
      [
        "--results",
        `junit=${file}`,
        "--",
        process.execPath,
        VITEST,
        "run",
        "--root",
        dir,
        "--globals",
        "--reporter=junit",
        `--outputFile=${file}`,
      ],
      { cwd: dir, timeoutMs: 120_000 },
    );
    expect(result.code).toBe(1);
    const tests = pointsOf(result, "test_result");
    const byName = Object.fromEntries(tests.map((t) => [t.tags.name, t]));
    expect(Object.keys(byName).sort()).toEqual(["tiny > fails", "tiny > passes", "tiny > skipped"]);
    expect(byName["tiny > passes"]?.tags).toMatchObject({
      status: "pass",
      suite: "tiny.test.js",
      format: "junit",
    });
    expect(byName["tiny > fails"]?.tags.status).toBe("fail");
    expect(byName["tiny > fails"]?.fields.failed).toBe(1);
    expect(byName["tiny > skipped"]?.tags.status).toBe("skip");
    // The time vitest wrote for each case.
    const xml = execFileSync("cat", [file], { encoding: "utf8" });
    for (const [name, point] of Object.entries(byName)) {
      const escaped = name.replace(">", "&gt;");
      const time = new RegExp(`name="${escaped}" time="([^"]+)"`).exec(xml)?.[1];
      expect(point.fields.duration_seconds).toBe(Number(time));
    }
    expect(perfRun(result).fields).toMatchObject({ exit_code: 1, test_results: 3, tests_failed: 1 });
  });
});

describe("run identity", () => {
  it("comes from the git work tree: the remote's path without its credentials, the branch and HEAD", async () => {
    const dir = tempDir();
    const git = (...args: string[]) =>
      execFileSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
        encoding: "utf8",
      }).trim();
    git("init", "-q", "-b", "trunk");
    git("commit", "-q", "--allow-empty", "-m", "first");
    git("remote", "add", "origin", "https://bot:s3cret-token@git.example.com/acme/widgets.git");
    const head = git("rev-parse", "HEAD");
    const file = join(dir, "out.json");
    const result = await runMode(
      [
        "--results",
        `hyperfine=${file}`,
        "--",
        ...writeThenExit(dir, file, hyperfineJson([hyperfineEntry("a", 1)])),
      ],
      { cwd: dir },
    );
    const run = perfRun(result);
    const [bench] = pointsOf(result, "bench_result");
    const identity = { project: "acme/widgets", branch: "trunk", commit: head, run: run.tags.run };
    expect(run.tags).toMatchObject(identity);
    expect(bench?.tags).toMatchObject(identity);
    expect(run.tags.run).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(`${result.stdout}${result.stderr}${JSON.stringify(result.points)}`).not.toContain("s3cret");
  });

  it("CI variables win over git, and PM_* settings over both", async () => {
    const ci = await runMode(["--", "true"], {
      env: { GITHUB_REPOSITORY: "acme/api", GITHUB_REF_NAME: "main", GITHUB_SHA: "abc123" },
    });
    expect(perfRun(ci).tags).toMatchObject({ project: "acme/api", branch: "main", commit: "abc123" });
    const given = await runMode(["--", "true"], {
      env: { CI_COMMIT_SHA: "def456", PM_COMMIT: "fff000", PM_RUN: "nightly-42", PM_PROJECT: "p" },
    });
    expect(perfRun(given).tags).toMatchObject({ commit: "fff000", run: "nightly-42", project: "p" });
    const gitlabPod = await runMode(["--", "true"], {
      env: {
        CI_PROJECT_PATH: "acme/sub/api",
        CI_COMMIT_REF_NAME: "feature/x",
        CI_COMMIT_SHA: "0123abc",
        PM_POD_NAME: "bench-job-7xk2p",
        PM_NODE_NAME: "node-3",
      },
    });
    expect(perfRun(gitlabPod).tags).toMatchObject({
      project: "acme/sub/api",
      branch: "feature/x",
      commit: "0123abc",
      pod: "bench-job-7xk2p",
      host: "node-3",
    });
  });
});
