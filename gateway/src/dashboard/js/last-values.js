// A table of the newest value of each series for fields a chart cannot show (booleans, strings):
// e.g. which volume's probe failed, and why.
import { api } from "./api.js";
import { el, table } from "./dom.js";
import { varyingTags } from "./series.js";
import { formatTime } from "./time.js";
import { formatValue } from "./units.js";

export class LastValuesPanel {
  constructor(parent, { title, description }) {
    this.body = el("div");
    this.element = el(
      "section",
      { class: "panel last-values" },
      el("h3", { text: title }),
      description ? el("p", { class: "panel-description", text: description }) : null,
      this.body,
    );
    parent.append(this.element);
  }

  /**
   * One query per field: `last` of one field answers with that point's own time. Only the fields the
   * org has points of are asked (a field it never wrote, such as `error` before the first failed
   * round, is a 404), so a field that appears later shows at the next refresh.
   */
  async load(spec, org, range) {
    const path = `/api/v1/measurements/${encodeURIComponent(spec.measurement)}/fields?org=${encodeURIComponent(org)}`;
    const known = await api(path).catch((error) => {
      if (error.status === 404) return { fields: [] };
      throw error;
    });
    const names = new Set(known.fields.map((field) => field.name));
    const answers = await Promise.all(
      spec.fields.map((field) =>
        names.has(field.name)
          ? api("/api/v1/query", {
              org,
              measurement: spec.measurement,
              fields: [field.name],
              aggregate: "last",
              groupBy: spec.groupBy,
              where: spec.where,
              range,
            })
          : { series: [] },
      ),
    );
    const allSeries = answers.flatMap((answer) => answer.series);
    const keys = varyingTags(allSeries);
    const tagKeys = keys.length > 0 ? keys : spec.groupBy.filter((key) => allSeries.some((s) => s.tags[key]));
    const rows = new Map();
    answers.forEach((answer, i) => {
      const field = spec.fields[i];
      for (const series of answer.series) {
        const key = JSON.stringify(tagKeys.map((tag) => series.tags[tag] ?? ""));
        const row = rows.get(key) ?? { tags: series.tags, values: {}, at: 0 };
        const [time, value] = series.values[0] ?? [];
        if (time === undefined) continue;
        row.values[field.name] = formatValue(field.unit, value);
        row.at = Math.max(row.at, Date.parse(time) / 1000);
        rows.set(key, row);
      }
    });
    const sorted = [...rows.values()].sort((a, b) => b.at - a.at);
    this.element.dataset.rows = String(sorted.length);
    this.body.replaceChildren(
      sorted.length === 0
        ? el("p", { class: "panel-message", text: "no data in this range" })
        : table(
            [...tagKeys, ...spec.fields.map((field) => field.name), "last seen"],
            sorted.map((row) => [
              ...tagKeys.map((tag) => row.tags[tag] ?? ""),
              ...spec.fields.map((field) => row.values[field.name] ?? ""),
              formatTime(row.at),
            ]),
          ),
    );
  }

  showError(message) {
    this.body.replaceChildren(el("p", { class: "panel-message error", text: message }));
  }

  destroy() {
    this.element.remove();
  }
}
