// A page of panels, in sections: charts and last-value tables, all queried over the same range, so
// they line up; refresh() queries them again.
import { api, isAbort } from "./api.js";
import { CommitsPanel } from "./commits.js";
import { el } from "./dom.js";
import { dataInterval } from "./interval.js";
import { LastValuesPanel } from "./last-values.js";
import { ChartPanel } from "./panel.js";
import { toColumns } from "./series.js";
import { chooseEvery, msToSpec, specToMs } from "./time.js";

const TIME_HELP = "expected now, a relative time like -1h, or an RFC 3339 time";

export class Board {
  /** `sections`: `[{ title, description, panels: [spec] }]`; a spec's kind is "chart", "last" or "commits". */
  constructor(container, sections, { org, onZoom }) {
    this.org = org;
    this.panels = [];
    this.element = el("div", { class: "board" });
    for (const section of sections) {
      const grid = el("div", { class: "panels" });
      this.element.append(
        el(
          "section",
          { class: "board-section", "data-measurement": section.measurement },
          el("h2", { text: section.title }),
          section.description ? el("p", { class: "section-description", text: section.description }) : null,
          grid,
        ),
      );
      for (const spec of section.panels) {
        const panel =
          spec.kind === "chart"
            ? new ChartPanel(grid, { ...spec, onZoom })
            : spec.kind === "commits"
              ? new CommitsPanel(grid, spec)
              : new LastValuesPanel(grid, spec);
        this.panels.push({ spec, panel });
      }
    }
    container.append(this.element);
  }

  /** Queries every panel over `range` ({ from, to } time specs); the messages of those that failed. */
  async refresh(range) {
    const nowMs = Date.now();
    const fromMs = specToMs(range.from, nowMs);
    const toMs = specToMs(range.to, nowMs);
    for (const [which, ms] of [
      ["from", fromMs],
      ["to", toMs],
    ]) {
      if (Number.isNaN(ms)) throw new Error(`range ${which} ${JSON.stringify(range[which])}: ${TIME_HELP}`);
    }
    if (fromMs >= toMs) throw new Error("the range's start must be before its end");
    const query = { from: msToSpec(fromMs), to: msToSpec(toMs) };
    const errors = [];
    await Promise.all(
      this.panels.map(async ({ spec, panel }) => {
        try {
          if (spec.kind !== "chart") {
            await panel.load(spec, this.org, query);
            return;
          }
          const interval = await dataInterval(this.org, spec, query, spec.fallbackInterval);
          const every = chooseEvery((toMs - fromMs) / 1000, interval * 0.95);
          const aggregate = spec.aggregate ?? "mean";
          const answer = await api("/api/v1/query", {
            org: this.org,
            measurement: spec.measurement,
            fields: spec.fields,
            aggregate,
            every,
            fill: "null",
            groupBy: spec.groupBy,
            where: spec.where,
            range: query,
          });
          // The gateway states each field's unit (a count is a count, whatever was counted).
          const unit = answer.meta.fields?.[spec.fields[0]]?.unit;
          const range = { from: fromMs / 1000, to: toMs / 1000 };
          const bucket = aggregate === "rate" ? `per second, ${every} buckets` : `${aggregate} per ${every}`;
          panel.show(toColumns(answer, spec.fields), range, bucket, unit);
        } catch (error) {
          if (isAbort(error)) throw error;
          panel.showError(error.message);
          errors.push(error.message);
        }
      }),
    );
    return errors;
  }

  destroy() {
    for (const { panel } of this.panels) panel.destroy();
    this.element.remove();
  }
}
