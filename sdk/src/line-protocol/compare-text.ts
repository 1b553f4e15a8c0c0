/** Compares text[start, end) with `other` as JavaScript compares strings: <0, 0 or >0. */
export function compareText(text: string, start: number, end: number, other: string): number {
  const length = end - start;
  const common = Math.min(length, other.length);
  for (let k = 0; k < common; k++) {
    const d = text.charCodeAt(start + k) - other.charCodeAt(k);
    if (d !== 0) return d;
  }
  return length - other.length;
}
