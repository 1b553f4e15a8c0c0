/**
 * Lines joined into one string, with where each ends. A round's lines travel to the sink this way:
 * one flat string per few hundred lines instead of a string (a tree of concatenations) per line, so
 * a round leaves few live objects for the young-generation GC to copy. `ends` lets a batch boundary
 * fall between any two lines (a string field may contain a newline, so "\n" cannot be searched for).
 */
export interface LineChunk {
  /** The lines, separated by "\n", no trailing newline. */
  text: string;
  /** `ends[i]` is the offset just past line i; line i starts at `ends[i - 1] + 1` (0 for the first). */
  ends: readonly number[];
}

export function chunkOf(lines: readonly string[]): LineChunk {
  const ends: number[] = [];
  let end = -1;
  for (const line of lines) {
    end += line.length + 1;
    ends.push(end);
  }
  return { text: lines.join("\n"), ends };
}

/** The lines of a chunk, split at `ends` (for the test kit and `PM_SINK=stdout`-like readers). */
export function linesOf(chunk: LineChunk): string[] {
  const lines: string[] = [];
  let start = 0;
  for (const end of chunk.ends) {
    lines.push(chunk.text.slice(start, end));
    start = end + 1;
  }
  return lines;
}
