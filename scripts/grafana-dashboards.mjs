// One Grafana dashboard per collector, built from the same catalogue entries as docs/metrics.md
// (gen-metric-docs.mjs calls it, so `npm run docs` writes them and `--check` checks them). Panels ask
// the gateway's InfluxDB 1.x `/query` in the InfluxQL Grafana's query editor writes
// (`SELECT mean("f") FROM "m" WHERE $timeFilter GROUP BY time($__interval), "tag" fill(null)`); a
// counter field (a total since its writer started) is charted as its rate per second instead.

/** The data source's uid in deploy/grafana/provisioning/datasources/platform-metrics.yaml. */
export const DATASOURCE = { type: "influxdb", uid: "pm-gateway" };

// Grafana 10.4's dashboard schema; later versions migrate it on load.
const SCHEMA_VERSION = 39;
const NUMERIC = new Set(["float", "integer", "unsigned"]);
const GRID_COLUMNS = 24;
const PANEL_HEIGHT = 8;

/** The SDK's units (sdk/src/measurements.ts UNITS) as Grafana's unit ids; a field without one is "none". */
export const GRAFANA_UNITS = {
  bytes: "bytes",
  "bytes/s": "Bps",
  ns: "ns",
  us: "µs",
  ms: "ms",
  s: "s",
  percent: "percent",
  count: "short",
  "ops/s": "ops",
  watts: "watt",
  celsius: "celsius",
};

export function grafanaUnit(unit, where) {
  if (unit === undefined) return "none";
  const id = GRAFANA_UNITS[unit];
  if (id === undefined)
    throw new Error(`${where}: unit ${JSON.stringify(unit)} has no Grafana unit (add it to GRAFANA_UNITS)`);
  return id;
}

/**
 * The Grafana unit of a counter's rate per second, by the counter's unit. Seconds per second are the
 * share of one core or worker busy: percentunit shows 1 as 100%, as perf's cpu_percent counts a core.
 * The SDK refuses a counter in a unit of a moment (bytes/s, percent, ...); a time unit other than
 * seconds would need a scale first, so it is refused here until a counter needs one.
 */
export const GRAFANA_RATE_UNITS = {
  count: "cps",
  bytes: "Bps",
  s: "percentunit",
};

export function grafanaRateUnit(unit, where) {
  if (unit === undefined) return "none";
  const id = GRAFANA_RATE_UNITS[unit];
  if (id === undefined)
    throw new Error(
      `${where}: a counter in unit ${JSON.stringify(unit)} has no Grafana rate unit (add it to GRAFANA_RATE_UNITS)`,
    );
  return id;
}

/**
 * A collector's name as it goes into a dashboard uid (`pm-<name>`, 40 characters at most) and a
 * ConfigMap name (a DNS label: no `_`, which a source name may hold). Refused by name, never cut short,
 * so two collectors cannot end up sharing a dashboard.
 */
export function dashboardName(name) {
  if (!/^[a-z0-9]([a-z0-9-]{0,35}[a-z0-9])?$/.test(name))
    throw new Error(
      `collector ${JSON.stringify(name)}: a Grafana dashboard needs a name of lowercase letters, digits and -, at most 37 characters`,
    );
  return name;
}

export const quoteIdentifier = (name) => `"${name.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
export const quoteString = (value) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

// As Grafana's query builder renders tag conditions: parentheses around two or more.
function whereClause(conditions) {
  if (conditions.length === 0) return "$timeFilter";
  const joined = conditions.join(" AND ");
  return `${conditions.length > 1 ? `(${joined})` : joined} AND $timeFilter`;
}

/** The query Grafana's InfluxQL editor writes for one field, averaged per interval and series. */
export function panelQuery({ measurement, field, conditions, groupBy }) {
  const by = ["time($__interval)", ...groupBy.map(quoteIdentifier)].join(", ");
  return `SELECT mean(${quoteIdentifier(field)}) FROM ${quoteIdentifier(measurement)} WHERE ${whereClause(conditions)} GROUP BY ${by} fill(null)`;
}

/**
 * The query Grafana users write for a counter: its rate per second within each series, from the
 * largest total of each interval. A restart's drop to zero gives no negative rate, only a gap.
 */
export function rateQuery({ measurement, field, conditions, groupBy }) {
  const by = ["time($__interval)", ...groupBy.map(quoteIdentifier)].join(", ");
  return `SELECT non_negative_derivative(max(${quoteIdentifier(field)}), 1s) FROM ${quoteIdentifier(measurement)} WHERE ${whereClause(conditions)} GROUP BY ${by} fill(null)`;
}

/** The newest value of each field per series: for booleans and strings, which a mean cannot show. */
export function lastValuesQuery({ measurement, fields, conditions, groupBy }) {
  const select = fields.map((f) => `last(${quoteIdentifier(f)}) AS ${quoteIdentifier(f)}`).join(", ");
  const by = groupBy.length > 0 ? ` GROUP BY ${groupBy.map(quoteIdentifier).join(", ")}` : "";
  return `SELECT ${select} FROM ${quoteIdentifier(measurement)} WHERE ${whereClause(conditions)}${by}`;
}

/**
 * The tags most of the collector's measurements carry (ties included): the dashboard's filters.
 * Every other tag is still a series of its own in the panels.
 */
export function filterTags(measurements) {
  const carriers = new Map();
  for (const m of measurements) for (const t of m.tags) carriers.set(t.name, (carriers.get(t.name) ?? 0) + 1);
  const most = Math.max(0, ...carriers.values());
  return [...carriers].filter(([, count]) => count === most).map(([tag]) => tag);
}

function variable(tag, source) {
  const query = `SHOW TAG VALUES WITH KEY = ${quoteIdentifier(tag)} WHERE "source" = ${quoteString(source)}`;
  return {
    type: "query",
    name: tag,
    label: tag,
    datasource: DATASOURCE,
    definition: query,
    query,
    refresh: 1,
    sort: 1,
    multi: true,
    includeAll: true,
    // Matches every series, those without the tag too, and keeps the query short.
    allValue: ".*",
    current: { selected: true, text: ["All"], value: ["$__all"] },
    options: [],
    regex: "",
    hide: 0,
  };
}

function panel({ id, gridPos, kind, title, description, unit, interval, query, alias }) {
  const common = { id, title, description, datasource: DATASOURCE, interval, gridPos };
  const target = { refId: "A", datasource: DATASOURCE, rawQuery: true, query };
  if (kind === "table")
    return {
      ...common,
      type: "table",
      options: { showHeader: true },
      // With several last() in one query influxd stamps the rows with time 0: not worth a column.
      transformations: [{ id: "organize", options: { excludeByName: { Time: true } } }],
      targets: [{ ...target, resultFormat: "table" }],
    };
  return {
    ...common,
    type: "timeseries",
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: {
      legend: { displayMode: "list", placement: "bottom", showLegend: true },
      tooltip: { mode: "multi", sort: "desc" },
    },
    targets: [{ ...target, resultFormat: "time_series", alias }],
  };
}

/** Lays each section out as a row, its panels left to right on Grafana's 24 columns; ids in order. */
function layout(sections) {
  const panels = [];
  let y = 0;
  let id = 1;
  for (const section of sections) {
    panels.push({
      id: id++,
      type: "row",
      title: section.title,
      collapsed: false,
      gridPos: { h: 1, w: GRID_COLUMNS, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    for (const p of section.panels) {
      if (x + p.w > GRID_COLUMNS) [x, y] = [0, y + PANEL_HEIGHT];
      panels.push(panel({ ...p, id: id++, gridPos: { x, y, w: p.w, h: PANEL_HEIGHT } }));
      x += p.w;
    }
    if (section.panels.length > 0) y += PANEL_HEIGHT;
  }
  return panels;
}

function sectionOf(measurement, { interval, filters, conditions = [] }) {
  const tags = measurement.tags.map((t) => t.name);
  const where = [
    ...conditions,
    ...tags.filter((t) => filters.includes(t)).map((t) => `${quoteIdentifier(t)} =~ /^$${t}$/`),
  ];
  const charted = measurement.fields.filter((f) => NUMERIC.has(f.type));
  const others = measurement.fields.filter((f) => !NUMERIC.has(f.type));
  const charts = charted.map((f) => {
    const name = `${measurement.name}.${f.name}`;
    const asked = { measurement: measurement.name, field: f.name, conditions: where, groupBy: tags };
    const alias = tags.length > 0 ? tags.map((t) => `$tag_${t}`).join(" ") : f.name;
    if (f.counter)
      return {
        w: 8,
        title: `${name} per second`,
        description: `${f.description ?? f.name}: per second (a running total, charted as its rate)`,
        unit: grafanaRateUnit(f.unit, name),
        interval,
        query: rateQuery(asked),
        alias,
      };
    return {
      w: 8,
      title: name,
      description: f.description ?? "",
      unit: grafanaUnit(f.unit, name),
      interval,
      query: panelQuery(asked),
      alias,
    };
  });
  const table = {
    w: GRID_COLUMNS,
    kind: "table",
    title: `${measurement.name}: last ${others.map((f) => f.name).join(", ")}`,
    description: others.map((f) => `${f.name}: ${f.description ?? f.type}`).join("; "),
    interval,
    query: lastValuesQuery({
      measurement: measurement.name,
      fields: others.map((f) => f.name),
      conditions: where,
      groupBy: tags,
    }),
  };
  return {
    title: measurement.description ? `${measurement.name}: ${measurement.description}` : measurement.name,
    panels: others.length > 0 ? [...charts, table] : charts,
  };
}

/**
 * The dashboard of one catalogue source: a row per measurement with a panel per numeric field, then
 * a collector's own health (`pm_collector`, the SDK's measurement, where `source` is its name); a
 * source that is no collector (`collector: false`: the relay, the gateway) writes no pm_collector.
 * A measurement with nothing to chart (only fields named at run time) gets no row.
 */
export function collectorDashboard(source, everySource) {
  const filters = filterTags(source.measurements);
  const options = { interval: source.interval, filters };
  const own = source.collector === false ? [] : everySource;
  const sections = [
    ...source.measurements.map((m) => sectionOf(m, options)),
    ...own.map((m) =>
      sectionOf(m, { ...options, filters: [], conditions: [`"source" = ${quoteString(source.name)}`] }),
    ),
  ].filter((section) => section.panels.length > 0);
  return {
    uid: `pm-${dashboardName(source.name)}`,
    title: `Platform Metrics: ${source.name}`,
    description: source.description ?? "",
    tags: ["platform-metrics"],
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    time: { from: "now-6h", to: "now" },
    timezone: "browser",
    refresh: "",
    links: [
      {
        type: "dashboards",
        tags: ["platform-metrics"],
        asDropdown: true,
        title: "Platform Metrics",
        includeVars: false,
        keepTime: true,
      },
    ],
    annotations: { list: [] },
    templating: { list: filters.map((tag) => variable(tag, source.name)) },
    panels: layout(sections),
  };
}

/**
 * deploy/grafana/kustomization.yaml: a ConfigMap per dashboard (one ConfigMap for all would outgrow
 * the 256 KiB that `kubectl apply` keeps of an object in its last-applied annotation), and the
 * provisioning files. Names without a hash suffix: a Grafana outside this kustomization mounts them.
 */
export function grafanaKustomization(collectors) {
  const dashboards = collectors
    .map(dashboardName)
    .flatMap((name) => [
      `  - name: pm-grafana-dashboard-${name}`,
      '    options: { labels: { grafana_dashboard: "1" } }',
      `    files: [dashboards/${name}.json]`,
    ]);
  return [
    "# Generated by `npm run docs` (scripts/grafana-dashboards.mjs); do not edit.",
    "# Grafana's provisioning files and one dashboard per collector, as ConfigMaps: mount them into Grafana",
    "# (docs/grafana.md), or let the Grafana Helm chart's sidecar find them by their grafana_* labels.",
    "apiVersion: kustomize.config.k8s.io/v1beta1",
    "kind: Kustomization",
    "labels:",
    "  - pairs: { app.kubernetes.io/part-of: platform-metrics }",
    "generatorOptions:",
    "  disableNameSuffixHash: true",
    "configMapGenerator:",
    "  - name: pm-grafana-datasource",
    '    options: { labels: { grafana_datasource: "1" } }',
    "    files: [provisioning/datasources/platform-metrics.yaml]",
    "  - name: pm-grafana-dashboard-provider",
    "    files: [provisioning/dashboards/platform-metrics.yaml]",
    ...dashboards,
    "",
  ].join("\n");
}
