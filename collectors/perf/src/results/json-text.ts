import type { z } from "@platform-metrics/sdk";

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lastBreak = before.lastIndexOf("\n");
  let line = 1;
  for (let i = before.indexOf("\n"); i !== -1; i = before.indexOf("\n", i + 1)) line++;
  return { line, column: before.length - lastBreak };
}

/**
 * JSON.parse with an error that says where: V8 gives an offset ("at position 12") for most
 * errors and none when the text simply ends (a truncated file), which is then its last character.
 */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    const offset = position
      ? Number(position[1])
      : /end of JSON input/i.test(message)
        ? text.length
        : undefined;
    if (offset === undefined) return { ok: false, error: `invalid JSON: ${message}` };
    const { line, column } = lineAndColumn(text, offset);
    // An error where the text stops: the document was cut off, not mistyped.
    const truncated = offset >= text.trimEnd().length;
    const what = truncated ? "JSON ends too early (truncated?)" : "invalid JSON";
    return { ok: false, error: `${what} at line ${line}, column ${column}: ${message}` };
  }
}

/** A zod failure as one line: `path: message; path: message`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(value)"}: ${issue.message}`)
    .join("; ");
}

/** How an entry of a result document is named in a warning: its index and, when known, its name. */
export function entryLabel(list: string, index: number, entry: unknown, key: string): string {
  const name =
    typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>)[key] : undefined;
  return `${list}[${index}]${typeof name === "string" ? ` (${JSON.stringify(name)})` : ""}`;
}
