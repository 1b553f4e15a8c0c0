import type { ResultFormat } from "./types.js";

/** Top-level keys that tell the JSON documents apart. */
const JSON_KEYS: [string, ResultFormat][] = [
  ["context", "google-benchmark"],
  ["machine_info", "pytest-benchmark"],
  ["results", "hyperfine"],
];

/** The format of a result text, from how it starts; undefined when it looks like none of them. */
export function detectFormat(text: string): ResultFormat | undefined {
  const head = text.trimStart().slice(0, 4096);
  if (head.startsWith("<")) return /<testsuites?[\s>/]/.test(head) ? "junit" : undefined;
  if (/^\{"(Time|Action)":/.test(head)) return "go-test-json";
  if (head.startsWith("{")) {
    let keys: string[] = [];
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === "object" && value !== null) keys = Object.keys(value);
    } catch {
      // A broken document still names itself by its first key.
      const first = /^\{\s*"([a-z_]+)"/.exec(head);
      if (first) keys = [first[1]!];
    }
    return JSON_KEYS.find(([key]) => keys.includes(key))?.[1];
  }
  // Plain `go test -bench` text: a result line anywhere.
  return /^Benchmark\S*\s+\d+\s+\S+ \S+/m.test(text) ? "go-test-json" : undefined;
}
