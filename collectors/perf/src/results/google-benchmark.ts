import { basename } from "node:path";
import { z } from "@platform-metrics/sdk";
import { describeIssues, entryLabel, parseJsonText } from "./json-text.js";
import { type BenchResult, emptyResults, type Results } from "./types.js";

// Google Benchmark's JSON reporter (--benchmark_format=json or --benchmark_out=FILE).
const document = z.object({
  context: z.looseObject({ executable: z.string().optional() }),
  benchmarks: z.array(z.unknown()),
});

const entry = z.looseObject({
  name: z.string().min(1),
  run_type: z.enum(["iteration", "aggregate"]).optional(),
  iterations: z.number().int().nonnegative().optional(),
  real_time: z.number(),
  cpu_time: z.number().optional(),
  time_unit: z.enum(["ns", "us", "ms", "s"]).default("ns"),
  aggregate_name: z.string().optional(),
  aggregate_unit: z.enum(["time", "percentage"]).optional(),
  bytes_per_second: z.number().optional(),
  items_per_second: z.number().optional(),
});

/** Keys of an entry that are not user counters. */
const KNOWN = new Set([
  ...Object.keys(entry.shape),
  "family_index",
  "per_family_instance_index",
  "run_name",
  "repetitions",
  "repetition_index",
  "threads",
  "label",
  "error_occurred",
  "error_message",
]);

/**
 * Every entry becomes a result: each repetition, and each aggregate (named `<name>_mean`,
 * `_median`, `_stddev`, `_cv`; the coefficient of variation is a ratio). User counters are results
 * of their own, with the counter's name as the unit. Errored runs and complexity fits are left out.
 */
export function parseGoogleBenchmark(text: string): Results {
  const results = emptyResults();
  const json = parseJsonText(text);
  if (!json.ok) return { ...results, problems: [json.error] };
  const doc = document.safeParse(json.value);
  if (!doc.success) {
    return { ...results, problems: [`not Google Benchmark JSON: ${describeIssues(doc.error)}`] };
  }
  const suite = doc.data.context.executable ? basename(doc.data.context.executable) : "";
  doc.data.benchmarks.forEach((raw, index) => {
    const label = entryLabel("benchmarks", index, raw, "name");
    const record = raw as Record<string, unknown>;
    if (typeof raw === "object" && raw !== null && record.error_occurred === true) {
      results.problems.push(`${label}: the benchmark reported an error: ${String(record.error_message)}`);
      return;
    }
    if (typeof raw === "object" && raw !== null && ("big_o" in record || "rms" in record)) return;
    const checked = entry.safeParse(raw);
    if (!checked.success) {
      results.problems.push(`${label}: ${describeIssues(checked.error)}`);
      return;
    }
    results.bench.push(...fromEntry(suite, checked.data));
  });
  return results;
}

function fromEntry(suite: string, data: z.output<typeof entry>): BenchResult[] {
  const ratio = data.aggregate_unit === "percentage";
  const head: BenchResult = {
    suite,
    name: data.name,
    unit: ratio ? "ratio" : data.time_unit,
    value: data.real_time,
    iterations: data.iterations,
    extras: {
      cpu_time: data.cpu_time,
      bytes_per_second: data.bytes_per_second,
      items_per_second: data.items_per_second,
    },
  };
  const counters: BenchResult[] = Object.entries(data)
    .filter(([key, value]) => !KNOWN.has(key) && typeof value === "number" && Number.isFinite(value))
    .map(([key, value]) => ({
      suite,
      name: data.name,
      unit: key,
      value: value as number,
      iterations: data.iterations,
    }));
  return [head, ...counters];
}
