#!/usr/bin/env node
// Writes each collector's measurement table and its settings (option table and a sample PM_CONFIG
// file, from its config schema) into its README (between the metrics and config markers), and
// docs/metrics.md, and the same declarations as JSON for the gateway (units, descriptions, the
// dashboard's overview pages) and a Grafana dashboard per source (deploy/grafana), from the
// declarations in each built dist/collector.js and the relay's and gateway's own (RELAY_MEASUREMENTS,
// GATEWAY_MEASUREMENTS, exported by @platform-metrics/relay and @platform-metrics/gateway). `--check` changes nothing and exits 1 when a file is out of date (the
// SDK's tests run it, so docs cannot drift).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { collectorDashboard, grafanaKustomization } from "./grafana-dashboards.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");
const sdk = await import("@platform-metrics/sdk/docs");
const [relay, gateway] = await Promise.all(
  ["relay", "gateway"].map((name) =>
    import(`@platform-metrics/${name}`).catch((error) => {
      console.error(`${name}: not built (run npm run build first): ${error.message}`);
      process.exit(2);
    }),
  ),
);

const packageDirs = ["collectors", "examples"].flatMap((group) =>
  existsSync(join(root, group)) ? readdirSync(join(root, group)).map((name) => join(root, group, name)) : [],
);

const stale = [];
const sources = [];
const catalogue = [
  "# Metrics catalogue",
  "",
  "Every measurement Platform Metrics writes, generated from the collectors' declarations by `npm run docs`.",
  "Every point also carries `org` and `source`, and `cluster` where configured.",
  "",
  "A field of kind *counter* is a running total since its writer (or the process it reads) started: it only",
  "grows, and starts again from zero on a restart. Chart its rate, as the Grafana dashboards do:",
  '`SELECT non_negative_derivative(max("points_written"), 1s) FROM "pm_relay" WHERE $timeFilter GROUP BY time($__interval), "replica"`.',
  "",
];

function update(path, text) {
  const current = existsSync(path) ? readFileSync(path, "utf8") : "";
  if (current === text) return;
  if (check) stale.push(relative(root, path));
  else writeFileSync(path, text);
}

for (const dir of packageDirs.sort()) {
  const entry = join(dir, "dist/collector.js");
  if (!existsSync(entry)) {
    if (existsSync(join(dir, "src/collector.ts"))) {
      console.error(`${relative(root, dir)}: not built (run npm run build first)`);
      process.exit(2);
    }
    continue;
  }
  const collector = (await import(pathToFileURL(entry).href)).default;
  writeReadme(dir, collector.measurements, collector);
  addSource(dir, collector, true);
}

// The relay is no collector, but its pm_relay points flow like one's (source relay).
writeReadme(join(root, "relay"), relay.RELAY_MEASUREMENTS);
addSource(
  join(root, "relay"),
  {
    name: "relay",
    description:
      "The relay's own metrics: how far each InfluxDB replica is behind, and what the relay did for it.",
    interval: relay.RELAY_METRICS_INTERVAL,
    measurements: relay.RELAY_MEASUREMENTS,
  },
  false,
);
writeReadme(join(root, "gateway"), gateway.GATEWAY_MEASUREMENTS);
addSource(
  join(root, "gateway"),
  {
    name: "gateway",
    description:
      "The gateway's own metrics: the API's answers by class, refusals, and its queries to InfluxDB.",
    interval: gateway.GATEWAY_METRICS_INTERVAL,
    measurements: gateway.GATEWAY_MEASUREMENTS,
  },
  false,
);

/** The measurement table, and for a collector (not the relay or gateway) its settings, into its README. */
function writeReadme(dir, measurements, collector) {
  const table = sdk.renderMeasurements(measurements, 3);
  const readmePath = join(dir, "README.md");
  const readme = existsSync(readmePath) ? readFileSync(readmePath, "utf8") : "";
  const updated = sdk.replaceMetricsSection(readme, table);
  if (updated === undefined) {
    console.error(
      `${relative(root, readmePath)}: add the lines ${sdk.METRICS_START} and ${sdk.METRICS_END} where the table goes`,
    );
    process.exit(2);
  }
  if (collector === undefined) {
    update(readmePath, updated);
    return;
  }
  const withConfig = sdk.replaceConfigSection(updated, sdk.renderConfig(collector));
  if (withConfig === undefined) {
    console.error(
      `${relative(root, readmePath)}: add the lines ${sdk.CONFIG_START} and ${sdk.CONFIG_END} where the settings table goes`,
    );
    process.exit(2);
  }
  update(readmePath, withConfig);
}

/**
 * `isCollector`: written by the SDK's runtime, so it also writes pm_collector (the relay and gateway
 * do not). Every declaration was checked where it was made (defineCollector, defineMeasurements).
 */
function addSource(dir, collector, isCollector) {
  catalogue.push(
    `## ${collector.name} (\`${relative(root, dir)}\`)`,
    "",
    collector.description ?? "",
    "",
    sdk.renderMeasurements(collector.measurements, 3),
    "",
  );
  sources.push({
    name: collector.name,
    description: collector.description,
    interval: collector.interval,
    collector: isCollector,
    measurements: sdk.catalogueMeasurements(collector.measurements),
  });
}

catalogue.push("## Every collector (the SDK)", "", sdk.renderMeasurements(sdk.SDK_MEASUREMENTS, 3), "");
update(join(root, "docs/metrics.md"), catalogue.join("\n"));
const json = {
  $comment: "Generated from the collectors' declarations by `npm run docs`; do not edit.",
  sources: sources.sort((a, b) => a.name.localeCompare(b.name)),
  everySource: sdk.catalogueMeasurements(sdk.SDK_MEASUREMENTS),
};
update(join(root, "gateway/src/catalogue/measurements.json"), `${JSON.stringify(json, null, 2)}\n`);

const grafana = join(root, "deploy/grafana");
const dashboards = join(grafana, "dashboards");
if (!check) mkdirSync(dashboards, { recursive: true });
for (const source of json.sources)
  update(
    join(dashboards, `${source.name}.json`),
    `${JSON.stringify(collectorDashboard(source, json.everySource), null, 2)}\n`,
  );
const wanted = new Set(json.sources.map((s) => `${s.name}.json`));
const present = existsSync(dashboards) ? readdirSync(dashboards) : [];
for (const file of present.filter((f) => f.endsWith(".json") && !wanted.has(f))) {
  if (check) stale.push(relative(root, join(dashboards, file)));
  else rmSync(join(dashboards, file));
}
update(join(grafana, "kustomization.yaml"), grafanaKustomization(json.sources.map((s) => s.name)));

if (stale.length > 0) {
  console.error(`out of date (run npm run docs): ${stale.join(", ")}`);
  process.exit(1);
}
