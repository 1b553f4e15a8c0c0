// A benchmark's value across runs, by commit: the view a team opens to find a regression. One row per
// result (suite, name, unit), one column per commit, oldest to newest, with the change from the commit
// before; the newest run of each commit in the range counts.
import { api } from "./api.js";
import { el, table } from "./dom.js";
import { formatValue, shortNumber } from "./units.js";

/** How many commits a table shows: the newest ones in the range. */
export const COMMITS_SHOWN = 8;
const TIME_UNITS = new Set(["ns", "us", "ms", "s"]);

function formatResult(unit, value) {
  if (typeof value !== "number") return "";
  return TIME_UNITS.has(unit) ? formatValue(unit, value) : `${shortNumber(value)} ${unit ?? ""}`.trim();
}

function change(previous, value) {
  if (typeof previous !== "number" || typeof value !== "number" || previous === 0) return "";
  const percent = ((value - previous) / Math.abs(previous)) * 100;
  return ` (${percent >= 0 ? "+" : ""}${shortNumber(percent)}%)`;
}

/**
 * `series`: the gateway's answer to `last(value)` grouped by the row tags and `commit`. Returns the
 * commits shown (oldest first, by their newest run) and one row per result.
 */
export function byCommit(series, rowTags) {
  const commitAt = new Map();
  const rows = new Map();
  for (const one of series) {
    const [time, value] = one.values[0] ?? [];
    const commit = one.tags.commit;
    if (time === undefined || !commit) continue;
    const at = Date.parse(time);
    commitAt.set(commit, Math.max(commitAt.get(commit) ?? 0, at));
    const key = JSON.stringify(rowTags.map((tag) => one.tags[tag] ?? ""));
    const row = rows.get(key) ?? { tags: one.tags, values: new Map() };
    row.values.set(commit, value);
    rows.set(key, row);
  }
  const commits = [...commitAt.entries()]
    .sort((a, b) => a[1] - b[1])
    .slice(-COMMITS_SHOWN)
    .map(([commit]) => commit);
  return { commits, rows: [...rows.values()] };
}

export class CommitsPanel {
  constructor(parent, { title, description }) {
    this.body = el("div");
    this.element = el(
      "section",
      { class: "panel commits" },
      el("h3", { text: title }),
      description ? el("p", { class: "panel-description", text: description }) : null,
      this.body,
    );
    parent.append(this.element);
  }

  async load(spec, org, range) {
    const answer = await api("/api/v1/query", {
      org,
      measurement: spec.measurement,
      fields: spec.fields,
      aggregate: "last",
      groupBy: [...spec.rowTags, "commit"],
      where: spec.where,
      range,
    });
    const { commits, rows } = byCommit(answer.series, spec.rowTags);
    this.element.dataset.rows = String(rows.length);
    this.element.dataset.commits = commits.join(" ");
    this.body.replaceChildren(
      rows.length === 0
        ? el("p", { class: "panel-message", text: "no results with a commit in this range" })
        : table(
            [...spec.rowTags, ...commits.map((commit) => commit.slice(0, 12))],
            rows.map((row) => [
              ...spec.rowTags.map((tag) => row.tags[tag] ?? ""),
              ...commits.map((commit, i) => {
                const value = row.values.get(commit);
                if (value === undefined) return "";
                return formatResult(row.tags.unit, value) + change(row.values.get(commits[i - 1]), value);
              }),
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
