const SPACE = 0x20;
const TAB = 0x09;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * Parses the integer at `pos` in `bytes` (after spaces or tabs) without making a string; /proc
 * values fit a double exactly (below 2^53). Returns undefined when no digits are there.
 */
export function parseIntAt(bytes: Buffer, pos: number, end: number): number | undefined {
  let i = pos;
  while (i < end && (bytes[i] === SPACE || bytes[i] === TAB)) i++;
  let negative = false;
  if (i < end && bytes[i] === MINUS) {
    negative = true;
    i++;
  }
  const first = i;
  let value = 0;
  while (i < end) {
    const c = bytes[i]!;
    if (c < ZERO || c > NINE) break;
    value = value * 10 + (c - ZERO);
    i++;
  }
  if (i === first) return undefined;
  return negative ? -value : value;
}

const labels = new Map<string, Buffer>();

/**
 * Where the value after `label` (e.g. "\nread_bytes:") starts, searching the first `end` bytes
 * from `from`; -1 when absent.
 */
export function afterLabel(bytes: Buffer, end: number, label: string, from = 0): number {
  // Searching for bytes, not a string, spares a conversion per call.
  let needle = labels.get(label);
  if (!needle) {
    needle = Buffer.from(label, "latin1");
    labels.set(label, needle);
  }
  const at = bytes.indexOf(needle, from);
  return at === -1 || at + needle.length > end ? -1 : at + needle.length;
}

/** The integer that follows `label` in the first `end` bytes, if present. */
export function intAfter(bytes: Buffer, end: number, label: string, from = 0): number | undefined {
  const at = afterLabel(bytes, end, label, from);
  return at === -1 ? undefined : parseIntAt(bytes, at, end);
}

/** A whitespace-separated list of integers, e.g. a /proc/<pid>/task/<tid>/children file. */
export function parseIntList(bytes: Buffer, end: number): number[] {
  const values: number[] = [];
  let value = -1;
  for (let i = 0; i < end; i++) {
    const c = bytes[i]!;
    if (c >= ZERO && c <= NINE) value = (value < 0 ? 0 : value * 10) + (c - ZERO);
    else if (value >= 0) {
      values.push(value);
      value = -1;
    }
  }
  if (value >= 0) values.push(value);
  return values;
}
