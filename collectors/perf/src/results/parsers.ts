import { parseGoTestJson } from "./go-test-json.js";
import { parseGoogleBenchmark } from "./google-benchmark.js";
import { parseHyperfine } from "./hyperfine.js";
import { parseJunit } from "./junit.js";
import { parsePytestBenchmark } from "./pytest-benchmark.js";
import type { ResultFormat, ResultParser } from "./types.js";

export const PARSERS: Record<ResultFormat, ResultParser> = {
  "go-test-json": parseGoTestJson,
  "google-benchmark": parseGoogleBenchmark,
  "pytest-benchmark": parsePytestBenchmark,
  hyperfine: parseHyperfine,
  junit: parseJunit,
};
