/** `"name"`, with `\` and `"` escaped as the InfluxQL scanner reads them. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** `'value'`, with `\` and `'` escaped. */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
