// One chart: uPlot with the unit on the y axis and in the legend, the page's time format on the x
// axis, drag-to-zoom (reported to the page, which re-queries every panel) and a shared cursor.
import { columnsToCsv, downloadLink } from "./csv.js";
import { el, table } from "./dom.js";
import { formatTime } from "./time.js";
import { formatValue, tickSteps, unitFormatter } from "./units.js";

const COLORS = ["#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6", "#dd4477", "#66aa00"];
const HEIGHT = 220;
const FONT = "12px system-ui, sans-serif";

let measurer;
function textWidth(text) {
  measurer ??= document.createElement("canvas").getContext("2d");
  measurer.font = FONT;
  return measurer.measureText(text).width;
}

export class ChartPanel {
  /** `onZoom(fromSeconds, toSeconds)` runs when the user drags across the chart. */
  constructor(parent, { title, description, unit, onZoom, details }) {
    this.unit = unit;
    this.onZoom = onZoom;
    this.chartBox = el("div", { class: "chart" });
    this.message = el("p", { class: "panel-message" });
    this.bucket = el("span", { class: "bucket" });
    this.details = details ? el("details") : null;
    this.element = el(
      "section",
      { class: "panel", "data-unit": unit ?? "" },
      el("h3", { title: description }, el("span", { text: title }), this.bucket),
      this.message,
      this.chartBox,
      this.details,
    );
    parent.append(this.element);
    this.resize = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: HEIGHT }));
    this.resize.observe(this.chartBox);
  }

  width() {
    return Math.max(200, this.chartBox.clientWidth);
  }

  showError(message) {
    this.message.textContent = message;
    this.message.className = "panel-message error";
  }

  /** Draws `columns` over `times` (epoch seconds) with the x axis spanning `range` (seconds). */
  show({ times, columns }, range, bucket, unit = this.unit) {
    this.range = range;
    if (unit !== this.unit) this.labels = undefined;
    this.unit = unit;
    this.element.dataset.unit = unit ?? "";
    this.bucket.textContent = bucket;
    if (this.details) this.showTable({ times, columns });
    const points = columns.reduce((sum, column) => sum + column.values.filter((v) => v !== null).length, 0);
    const lastIndex = times.findLastIndex((_, i) => columns.some((column) => column.values[i] !== null));
    this.element.dataset.points = String(points);
    this.element.dataset.last = lastIndex >= 0 ? new Date(times[lastIndex] * 1000).toISOString() : "";
    this.element.dataset.range = `${range.from} ${range.to}`;
    this.message.className = "panel-message";
    this.message.textContent = points === 0 ? "no data in this range" : "";
    // With the cursor away, the legend shows each series' newest value (and the newest time).
    this.newest = [lastIndex, ...columns.map((column) => column.values.findLastIndex((v) => v !== null))].map(
      (index) => (index >= 0 ? index : null),
    );
    const data = [times, ...columns.map((column) => column.values)];
    const labels = columns.map((column) => column.label).join("\n");
    if (this.plot && labels === this.labels) {
      this.plot.setData(data);
    } else {
      this.labels = labels;
      this.plot?.destroy();
      this.plot = new uPlot(this.options(columns), data, this.chartBox);
    }
    if (!(this.plot.cursor.left >= 0)) this.plot.setLegend({ idxs: this.newest }, false);
  }

  /** The newest buckets, newest first, and the whole answer as CSV. */
  showTable(shown) {
    const rows = [];
    for (let i = shown.times.length - 1; i >= 0 && rows.length < 50; i--) {
      if (shown.columns.every((column) => column.values[i] === null)) continue;
      rows.push([
        formatTime(shown.times[i]),
        ...shown.columns.map((c) => formatValue(this.unit, c.values[i])),
      ]);
    }
    this.details.replaceChildren(
      el("summary", { text: `Table: newest ${rows.length} buckets` }),
      downloadLink(columnsToCsv(shown), "platform-metrics.csv"),
      table(["time", ...shown.columns.map((column) => column.label)], rows),
    );
  }

  options(columns) {
    const unit = this.unit;
    return {
      width: this.width(),
      height: HEIGHT,
      cursor: { sync: { key: "pm" }, drag: { x: true, y: false, setScale: false } },
      scales: { x: { time: true, range: () => [this.range.from, this.range.to] } },
      axes: [
        {
          font: FONT,
          space: 70,
          values: (_u, splits) => splits.map((s) => formatTime(s, this.range.to - this.range.from)),
        },
        {
          font: FONT,
          ...(tickSteps(unit) ? { incrs: tickSteps(unit) } : {}),
          values: (_u, splits) => {
            const format = unitFormatter(unit, Math.max(...splits.map(Math.abs)));
            const texts = splits.map(format);
            // What the axis shows, for tests and for reading without the canvas.
            this.element.dataset.yTicks = texts.join("|");
            return texts;
          },
          size: (_u, values) => Math.ceil(Math.max(30, ...(values ?? []).map(textWidth))) + 14,
        },
      ],
      series: [
        { value: (_u, v) => (v === null ? "--" : formatTime(v)) },
        ...columns.map((column, i) => ({
          label: column.label,
          stroke: COLORS[i % COLORS.length],
          width: 1.5,
          value: (_u, v) => (v === null || v === undefined ? "--" : formatValue(unit, v)),
        })),
      ],
      hooks: {
        setLegend: [
          (u) => {
            if (u.legend.idx === null || u.legend.idx === undefined)
              u.setLegend({ idxs: this.newest }, false);
          },
        ],
        setSelect: [
          (u) => {
            if (u.select.width < 5) return;
            const from = u.posToVal(u.select.left, "x");
            const to = u.posToVal(u.select.left + u.select.width, "x");
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            this.onZoom(from, to);
          },
        ],
      },
    };
  }

  destroy() {
    this.resize.disconnect();
    this.plot?.destroy();
    this.element.remove();
  }
}
