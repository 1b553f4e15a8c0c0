import type { PointFunction } from "@platform-metrics/sdk";
import type { measurements } from "../measurements.js";
import type { RunTags } from "../run/identity.js";
import type { BenchExtra, ResultFormat, Results } from "./types.js";

type PointFn = PointFunction<typeof measurements>;

/** Extras declared as integers; the others are floats. */
const isIntegerExtra = (key: BenchExtra): key is "rounds" => key === "rounds";

/** A point of a measurement that carries the run's tags. */
interface RunTagged {
  tag(key: "run" | "project" | "branch" | "commit" | "host" | "pod", value: string | undefined): this;
}

export function tagRun<B extends RunTagged>(builder: B, run: RunTags): B {
  return builder
    .tag("run", run.run)
    .tag("project", run.project)
    .tag("branch", run.branch)
    .tag("commit", run.commit)
    .tag("host", run.host)
    .tag("pod", run.pod);
}

/**
 * Writes bench_result and test_result points. All share the round's timestamp, so a result reported
 * twice (repetitions, `go test -count`) gets a `repetition` tag: with the same tags and time, InfluxDB
 * would keep only the last.
 */
export function writeResults(point: PointFn, format: ResultFormat, results: Results, run: RunTags): void {
  const benchRepetition = repetitions(results.bench.map((b) => `${b.suite}\n${b.name}\n${b.unit}`));
  results.bench.forEach((bench, i) => {
    const builder = point("bench_result")
      .tag("suite", oneLine(bench.suite))
      .tag("name", oneLine(bench.name))
      .tag("unit", oneLine(bench.unit))
      .tag("format", format)
      .tag("repetition", benchRepetition[i])
      .float("value", bench.value)
      .integer("iterations", bench.iterations);
    for (const [key, value] of Object.entries(bench.extras ?? {}) as [BenchExtra, number | undefined][]) {
      if (isIntegerExtra(key)) builder.integer(key, value);
      else builder.float(key, value);
    }
    tagRun(builder, run);
  });
  const testRepetition = repetitions(results.tests.map((t) => `${t.suite}\n${t.name}`));
  results.tests.forEach((test, i) => {
    const builder = point("test_result")
      .tag("suite", oneLine(test.suite))
      .tag("name", oneLine(test.name))
      .tag("status", test.status)
      .tag("format", format)
      .tag("repetition", testRepetition[i])
      .float("duration_seconds", test.durationSeconds)
      .integer("failed", test.status === "fail" || test.status === "error" ? 1 : 0);
    tagRun(builder, run);
  });
}

/** For each key: its 1-based occurrence when the key occurs more than once, else undefined. */
function repetitions(keys: string[]): (number | undefined)[] {
  const total = new Map<string, number>();
  for (const key of keys) total.set(key, (total.get(key) ?? 0) + 1);
  const seen = new Map<string, number>();
  return keys.map((key) => {
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return total.get(key)! > 1 ? n : undefined;
  });
}

/** Tag values are one line (a test name can hold a newline). */
function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, " ").trim();
}
