import { readFileSync, type Stats, statSync } from "node:fs";
import { MAX_CAPTURE_BYTES, type OutputCapture } from "../target/capture.js";
import { detectFormat } from "./detect.js";
import { PARSERS } from "./parsers.js";
import type { ResultsSpec } from "./spec.js";
import { emptyResults, type ResultFormat, type Results } from "./types.js";

/** A result file as it was before the command started, to tell a fresh file from a stale one. */
export type FileStamp = Pick<Stats, "mtimeMs" | "size" | "ino"> | undefined;

export function stampFile(file: string): FileStamp {
  try {
    const stats = statSync(file, { throwIfNoEntry: false });
    return stats && { mtimeMs: stats.mtimeMs, size: stats.size, ino: stats.ino };
  } catch {
    return undefined; // unreadable now (EACCES): reading it after the run says why
  }
}

export interface ReadOutcome {
  format: ResultFormat | undefined;
  /** Where the results came from, for messages: `stdout` or the file name. */
  source: string;
  results: Results;
}

/**
 * Reads and parses the results after the command exited. Never throws: whatever cannot be read
 * or parsed is a problem in the outcome, and the run's other points are written regardless.
 */
export function readResults(
  spec: ResultsSpec,
  stdout: OutputCapture | undefined,
  before: FileStamp,
): ReadOutcome {
  const source = spec.file ?? "stdout";
  const fail = (problem: string): ReadOutcome => ({
    format: spec.format === "auto" ? undefined : spec.format,
    source,
    results: { ...emptyResults(), problems: [problem] },
  });
  const input = spec.file === undefined ? fromStdout(stdout) : fromFile(spec.file, before);
  if (typeof input === "string") return fail(input);
  const format = spec.format === "auto" ? detectFormat(input.text) : spec.format;
  if (format === undefined) {
    return fail(
      input.text.trim() === ""
        ? "nothing to read: it is empty"
        : "cannot tell its format; give it with --results FORMAT (go-test-json, google-benchmark, pytest-benchmark, hyperfine, junit)",
    );
  }
  let results: Results;
  try {
    results = PARSERS[format](input.text);
  } catch (error) {
    // A parser's own limits (the XML parser's entity expansion) throw: still a problem, not a lost run.
    return { ...fail(`cannot parse it: ${(error as Error).message}`), format };
  }
  if (input.note) results.problems.unshift(input.note);
  if (results.bench.length === 0 && results.tests.length === 0 && results.problems.length === 0) {
    results.problems.push(`no ${format} results found in it`);
  }
  return { format, source, results };
}

function fromStdout(stdout: OutputCapture | undefined): { text: string; note?: string } | string {
  if (!stdout) return "the command's stdout was not captured";
  const note = stdout.truncated
    ? `stdout was longer than ${MAX_CAPTURE_BYTES} bytes: only its start was read`
    : stdout.ended
      ? undefined
      : "stdout was still open (a background process of the command holds it): read what had arrived";
  return { text: stdout.text(), note };
}

function fromFile(file: string, before: FileStamp): { text: string; note?: string } | string {
  let after: Stats | undefined;
  try {
    after = statSync(file, { throwIfNoEntry: false });
  } catch (error) {
    return `cannot read it: ${(error as Error).message}`;
  }
  if (!after) return "the command did not write it (no such file)";
  if (!after.isFile()) return "not a regular file";
  if (before && before.mtimeMs === after.mtimeMs && before.size === after.size && before.ino === after.ino) {
    return "the command did not change it (left from an earlier run?): not read";
  }
  if (after.size > MAX_CAPTURE_BYTES) return `${after.size} bytes, more than the ${MAX_CAPTURE_BYTES} read`;
  try {
    return { text: readFileSync(file, "utf8") };
  } catch (error) {
    return `cannot read it: ${(error as Error).message}`;
  }
}
