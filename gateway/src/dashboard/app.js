// Dashboard: plain browser JavaScript, no build step. The token stays in sessionStorage (this tab only).
const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "pm-token";
const EVERY = [
  ["10s", 10],
  ["30s", 30],
  ["1m", 60],
  ["5m", 300],
  ["15m", 900],
  ["1h", 3600],
];
let chart;

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(path, {
    ...options,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...options.headers },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error?.message ?? `HTTP ${response.status}`);
  return body;
}

function fill(select, values, labelOf = (value) => value) {
  select.replaceChildren(
    ...values.map((value) => {
      const option = document.createElement("option");
      option.value = typeof value === "string" ? value : value.name;
      option.textContent = labelOf(value);
      return option;
    }),
  );
}

const orgParam = () => `?org=${encodeURIComponent($("org").value)}`;
const measurementPath = () => `/api/v1/measurements/${encodeURIComponent($("measurement").value)}`;

async function loadOrgs() {
  const { orgs } = await api("/api/v1/orgs");
  fill($("org"), orgs);
  await loadMeasurements();
}

async function loadMeasurements() {
  const { measurements } = await api(`/api/v1/measurements${orgParam()}`);
  fill($("measurement"), measurements);
  await loadMeasurementDetails();
}

async function loadMeasurementDetails() {
  if (!$("measurement").value) {
    fill($("field"), []);
    return;
  }
  const [{ fields }, { tags }] = await Promise.all([
    api(`${measurementPath()}/fields${orgParam()}`),
    api(`${measurementPath()}/tags${orgParam()}`),
  ]);
  const numeric = fields.filter((field) => field.type === "float" || field.type === "integer");
  fill($("field"), numeric, (field) => `${field.name} (${field.type})`);
  fill($("group-by"), ["", ...tags.filter((tag) => tag !== "org")], (tag) => tag || "(none)");
  setStatus(`${numeric.length} numeric fields`);
}

function everyFor(range) {
  const match = /^-(\d+)([mhd])$/.exec(range);
  const seconds = Number(match[1]) * { m: 60, h: 3600, d: 86400 }[match[2]];
  return (EVERY.find(([, size]) => seconds / size <= 300) ?? EVERY[EVERY.length - 1])[0];
}

async function draw() {
  const field = $("field").value;
  const range = $("range").value;
  const groupBy = $("group-by").value;
  const body = {
    org: $("org").value,
    measurement: $("measurement").value,
    fields: [field],
    aggregate: $("aggregate").value,
    every: everyFor(range),
    fill: "null",
    range: { from: range },
  };
  if (groupBy) body.groupBy = [groupBy];
  const result = await api("/api/v1/query", { method: "POST", body: JSON.stringify(body) });
  render(result, field);
  const points = result.series.reduce((sum, series) => sum + series.values.length, 0);
  setStatus(
    `${result.series.length} series, ${points} points from replica ${result.meta.replica}${result.meta.truncated ? " (truncated)" : ""}`,
  );
}

function seriesLabel(series) {
  const tags = Object.entries(series.tags).map(([key, value]) => `${key}=${value}`);
  return tags.length ? tags.join(",") : series.measurement;
}

function render(result, field) {
  // One x axis: the union of all bucket times; each series fills its own column.
  const times = [...new Set(result.series.flatMap((s) => s.values.map((row) => row[0])))].sort();
  const index = new Map(times.map((time, i) => [time, i]));
  const columns = result.series.map((series) => {
    const column = new Array(times.length).fill(null);
    for (const row of series.values) column[index.get(row[0])] = row[1];
    return column;
  });
  const data = [times.map((time) => Date.parse(time) / 1000), ...columns];
  const colors = ["#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6"];
  const options = {
    width: Math.max(480, $("chart").clientWidth || 900),
    height: 320,
    title: `${$("aggregate").value}(${field})`,
    series: [
      {},
      ...result.series.map((series, i) => ({
        label: seriesLabel(series),
        stroke: colors[i % colors.length],
        width: 2,
        spanGaps: true,
      })),
    ],
  };
  chart?.destroy();
  chart = new uPlot(options, data, $("chart"));
  renderTable(times, result.series, columns);
}

function renderTable(times, series, columns) {
  const head = document.createElement("tr");
  for (const text of ["time", ...series.map(seriesLabel)]) {
    const th = document.createElement("th");
    th.textContent = text;
    head.append(th);
  }
  $("table").tHead.replaceChildren(head);
  // Newest first: the last 50 buckets.
  const rows = [];
  for (let i = times.length - 1; i >= Math.max(0, times.length - 50); i--) {
    const tr = document.createElement("tr");
    for (const text of [times[i], ...columns.map((column) => column[i])]) {
      const td = document.createElement("td");
      td.textContent = text === null ? "" : typeof text === "number" ? String(Number(text.toFixed(4))) : text;
      tr.append(td);
    }
    rows.push(tr);
  }
  $("table").tBodies[0].replaceChildren(...rows);
}

function guard(action) {
  return (event) => {
    event?.preventDefault();
    action().catch((error) => setStatus(error.message, true));
  };
}

$("token-form").addEventListener(
  "submit",
  guard(async () => {
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token").value = "";
    await loadOrgs();
  }),
);
$("forget-token").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  setStatus("token forgotten");
});
$("org").addEventListener("change", guard(loadMeasurements));
$("measurement").addEventListener("change", guard(loadMeasurementDetails));
$("query-form").addEventListener("submit", guard(draw));
if (sessionStorage.getItem(TOKEN_KEY)) guard(loadOrgs)();
