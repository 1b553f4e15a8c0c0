import { z } from "@platform-metrics/sdk";
import { describeIssues, entryLabel, parseJsonText } from "./json-text.js";
import { emptyResults, type Results } from "./types.js";

// hyperfine --export-json FILE; times are seconds. stddev is null after a single run.
const document = z.object({ results: z.array(z.unknown()) });

const entry = z.object({
  command: z.string().min(1),
  mean: z.number(),
  stddev: z.number().nullish(),
  median: z.number().optional(),
  user: z.number().optional(),
  system: z.number().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  times: z.array(z.number()).optional(),
});

/** One result per command: the mean wall time, with the spread and CPU times as extras. */
export function parseHyperfine(text: string): Results {
  const results = emptyResults();
  const json = parseJsonText(text);
  if (!json.ok) return { ...results, problems: [json.error] };
  const doc = document.safeParse(json.value);
  if (!doc.success) {
    return { ...results, problems: [`not hyperfine JSON: ${describeIssues(doc.error)}`] };
  }
  doc.data.results.forEach((raw, index) => {
    const checked = entry.safeParse(raw);
    if (!checked.success) {
      const label = entryLabel("results", index, raw, "command");
      results.problems.push(`${label}: ${describeIssues(checked.error)}`);
      return;
    }
    const data = checked.data;
    results.bench.push({
      suite: "hyperfine",
      name: data.command,
      unit: "s",
      value: data.mean,
      iterations: data.times?.length,
      extras: {
        stddev: data.stddev ?? undefined,
        median: data.median,
        min: data.min,
        max: data.max,
        user_time: data.user,
        system_time: data.system,
      },
    });
  });
  return results;
}
