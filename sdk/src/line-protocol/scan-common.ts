// What every scanner of the strict parser shares: character codes, the line being read (for error
// columns) and small helpers. Plain numbers rather than enums, which compile to property loads in
// the hot loops.

export const TAB = 9;
export const NEWLINE = 10;
export const SPACE = 32;
export const QUOTE = 34;
export const HASH = 35;
export const PLUS = 43;
export const COMMA = 44;
export const MINUS = 45;
export const DOT = 46;
export const ZERO = 48;
export const NINE = 57;
export const EQUALS = 61;
export const BACKSLASH = 92;

/**
 * Where the line being scanned starts in its source text, for error columns. Parsing is synchronous,
 * so one is enough; parseRange and a ParsedLine's lazy decoding set it first.
 */
export const current = { base: 0 };

export function column(i: number): number {
  return i - current.base + 1;
}

export function show(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 61)}...` : text);
}
