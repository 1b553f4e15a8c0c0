import { z } from "@platform-metrics/sdk";
import { describeIssues, entryLabel, parseJsonText } from "./json-text.js";
import { emptyResults, type Results } from "./types.js";

// pytest-benchmark's --benchmark-json=FILE; its times are seconds per call.
const document = z.object({
  machine_info: z.unknown(),
  benchmarks: z.array(z.unknown()),
});

const entry = z.object({
  group: z.string().nullish(),
  name: z.string().min(1),
  fullname: z.string().optional(),
  stats: z.object({
    mean: z.number(),
    stddev: z.number().optional(),
    median: z.number().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    rounds: z.number().int().nonnegative(),
    iterations: z.number().int().positive().default(1),
  }),
});

/** One result per benchmark: the mean, with the spread as extras; suite is the group or the test file. */
export function parsePytestBenchmark(text: string): Results {
  const results = emptyResults();
  const json = parseJsonText(text);
  if (!json.ok) return { ...results, problems: [json.error] };
  const doc = document.safeParse(json.value);
  if (!doc.success) {
    return { ...results, problems: [`not pytest-benchmark JSON: ${describeIssues(doc.error)}`] };
  }
  doc.data.benchmarks.forEach((raw, index) => {
    const checked = entry.safeParse(raw);
    if (!checked.success) {
      const label = entryLabel("benchmarks", index, raw, "fullname");
      results.problems.push(`${label}: ${describeIssues(checked.error)}`);
      return;
    }
    const { group, name, fullname, stats } = checked.data;
    results.bench.push({
      suite: group ?? fullname?.split("::")[0] ?? "",
      name,
      unit: "s",
      value: stats.mean,
      // Calls measured: each round times `iterations` calls.
      iterations: stats.rounds * stats.iterations,
      extras: {
        stddev: stats.stddev,
        median: stats.median,
        min: stats.min,
        max: stats.max,
        rounds: stats.rounds,
      },
    });
  });
  return results;
}
