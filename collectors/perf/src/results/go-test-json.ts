import { z } from "@platform-metrics/sdk";
import { describeIssues } from "./json-text.js";
import { type BenchExtra, type BenchResult, emptyResults, type Results, type TestStatus } from "./types.js";

// https://pkg.go.dev/cmd/test2json: one JSON event per line.
const event = z.object({
  Action: z.string(),
  Package: z.string().optional(),
  Test: z.string().optional(),
  Elapsed: z.number().nonnegative().optional(),
  Output: z.string().optional(),
});

const STATUS: Record<string, TestStatus> = { pass: "pass", fail: "fail", skip: "skip" };

/** Units `go test -bench` prints itself, kept as fields of the ns/op point rather than points of their own. */
const EXTRAS: Record<string, BenchExtra> = {
  "B/op": "bytes_per_op",
  "allocs/op": "allocs_per_op",
  "MB/s": "mb_per_s",
};

/**
 * `go test -json` (test events; benchmark results come as output text, split across events in
 * any way, so each package's output is joined before it is read as lines) or plain `go test -bench`
 * text. A line that starts with `{` but is not an event is a problem named by its line number;
 * other lines are output text.
 */
export function parseGoTestJson(text: string): Results {
  const results = emptyResults();
  const outputByPackage = new Map<string, string>();
  const lines = text.split("\n");
  const addOutput = (pkg: string, output: string) =>
    outputByPackage.set(pkg, (outputByPackage.get(pkg) ?? "") + output);
  lines.forEach((line, index) => {
    if (!line.startsWith("{")) {
      if (line.trim() !== "") addOutput("", `${line}\n`);
      return;
    }
    const parsed = parseEvent(line);
    if (typeof parsed === "string") {
      results.problems.push(`line ${index + 1}: ${parsed}`);
      return;
    }
    const pkg = parsed.Package ?? "";
    if (parsed.Output !== undefined) addOutput(pkg, parsed.Output);
    const status = STATUS[parsed.Action];
    if (status && parsed.Test !== undefined) {
      results.tests.push({ suite: pkg, name: parsed.Test, status, durationSeconds: parsed.Elapsed });
    }
  });
  for (const [pkg, output] of outputByPackage) results.bench.push(...benchLines(pkg, output));
  return results;
}

function parseEvent(line: string): z.output<typeof event> | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return `not a go test -json event (${(error as Error).message})`;
  }
  const checked = event.safeParse(value);
  return checked.success ? checked.data : `not a go test -json event (${describeIssues(checked.error)})`;
}

/** Benchmark lines of one package's output: `BenchmarkX-8  1000  1234 ns/op  56 B/op ...`. */
function benchLines(pkg: string, output: string): BenchResult[] {
  const found: BenchResult[] = [];
  let suite = pkg;
  for (const line of output.split("\n")) {
    // Plain text output names its package before the benchmarks.
    if (line.startsWith("pkg: ") && pkg === "") suite = line.slice(5).trim();
    if (line.startsWith("Benchmark")) found.push(...benchLine(suite, line));
  }
  return found;
}

function benchLine(suite: string, line: string): BenchResult[] {
  const [name, iterationsText, ...rest] = line.trim().split(/\s+/);
  if (!name || !iterationsText || !/^\d+$/.test(iterationsText) || rest.length < 2 || rest.length % 2 !== 0)
    return [];
  const metrics: { value: number; unit: string }[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const value = Number(rest[i]);
    if (!Number.isFinite(value) || rest[i] === "") return [];
    metrics.push({ value, unit: rest[i + 1]! });
  }
  const iterations = Number(iterationsText);
  // ns/op leads; B/op, allocs/op and MB/s go with it; any other unit (b.ReportMetric) is its own result.
  const primary =
    metrics.find((metric) => metric.unit === "ns/op") ??
    metrics.find((metric) => !EXTRAS[metric.unit]) ??
    metrics[0]!;
  const head: BenchResult = { suite, name, unit: primary.unit, value: primary.value, iterations, extras: {} };
  const others: BenchResult[] = [];
  for (const metric of metrics) {
    if (metric === primary) continue;
    const extra = EXTRAS[metric.unit];
    if (extra) head.extras![extra] = metric.value;
    else others.push({ suite, name, unit: metric.unit, value: metric.value, iterations });
  }
  return [head, ...others];
}
