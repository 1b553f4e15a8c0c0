// API answers -> what charts and tables show: one column per series and field, named by what tells
// the series apart.

const seconds = (time) => Date.parse(time) / 1000;

/** Tag keys whose values differ between the series: the rest says nothing about any one of them. */
export function varyingTags(series) {
  const keys = new Set(series.flatMap((one) => Object.keys(one.tags)));
  return [...keys].filter((key) => new Set(series.map((one) => one.tags[key])).size > 1).sort();
}

export function seriesName(tags, keys) {
  return keys.map((key) => `${key}=${tags[key] ?? ""}`).join(" ");
}

/**
 * `{ times, columns: [{ label, field, values }] }`: times in epoch seconds (the union of all series'),
 * each column the values of one field of one series at those times (null where it has none).
 */
export function toColumns(result, fields) {
  const times = [...new Set(result.series.flatMap((one) => one.values.map((row) => seconds(row[0]))))].sort(
    (a, b) => a - b,
  );
  const index = new Map(times.map((time, i) => [time, i]));
  const keys = varyingTags(result.series);
  const columns = [];
  for (const one of result.series) {
    const name = seriesName(one.tags, keys);
    for (const field of fields) {
      const at = one.columns.indexOf(field);
      const values = new Array(times.length).fill(null);
      for (const row of one.values) values[index.get(seconds(row[0]))] = row[at] ?? null;
      const label = fields.length > 1 || !name ? [field, name].filter(Boolean).join(" ") : name;
      columns.push({ label, field, values });
    }
  }
  return { times, columns };
}
