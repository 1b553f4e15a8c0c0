/** The result formats run mode reads (`--results FORMAT[=FILE]`). */
export const RESULT_FORMATS = [
  "go-test-json",
  "google-benchmark",
  "pytest-benchmark",
  "hyperfine",
  "junit",
] as const;

export type ResultFormat = (typeof RESULT_FORMATS)[number];

/** Per-format numbers written beside `value`; times are in the result's own unit. */
export type BenchExtra =
  | "bytes_per_op"
  | "allocs_per_op"
  | "mb_per_s"
  | "cpu_time"
  | "user_time"
  | "system_time"
  | "bytes_per_second"
  | "items_per_second"
  | "stddev"
  | "median"
  | "min"
  | "max"
  | "rounds";

/** One number a benchmark reported. */
export interface BenchResult {
  suite: string;
  name: string;
  unit: string;
  value: number;
  iterations?: number;
  extras?: Partial<Record<BenchExtra, number>>;
}

export type TestStatus = "pass" | "fail" | "error" | "skip";

/** One test case's outcome. */
export interface TestResult {
  suite: string;
  name: string;
  status: TestStatus;
  durationSeconds?: number;
}

/** What a parser found; `problems` name what it left out and where. */
export interface Results {
  bench: BenchResult[];
  tests: TestResult[];
  problems: string[];
}

export type ResultParser = (text: string) => Results;

export const emptyResults = (): Results => ({ bench: [], tests: [], problems: [] });
