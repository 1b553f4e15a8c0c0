// Explore: any measurement of the org, several fields (one chart per unit) and group-by tags, an
// aggregate; booleans and strings in a table of last values. Every choice lands in the URL.
import { api } from "./api.js";
import { el } from "./dom.js";
import { chartGroups, durationSeconds, isNumeric } from "./overview.js";
import { list } from "./state.js";

// auto: each field's own, the rate per second of a counter and the mean of anything else.
const AGGREGATES = [
  "auto",
  "mean",
  "min",
  "max",
  "sum",
  "count",
  "first",
  "last",
  "median",
  "spread",
  "stddev",
  "p50",
  "p90",
  "p95",
  "p99",
  "rate",
];

function checkboxes(name, legend, options, checked, onChange) {
  return el(
    "fieldset",
    { id: name },
    el("legend", { text: legend }),
    ...options.map((option) =>
      el(
        "label",
        { class: "check" },
        el("input", {
          type: "checkbox",
          name,
          value: option.value,
          checked: checked.includes(option.value),
          onchange: onChange,
        }),
        el("span", { text: option.label }),
      ),
    ),
  );
}

const checked = (form, name) =>
  [...form.querySelectorAll(`input[name=${name}]:checked`)].map((input) => input.value);

/** Draws the form into `container` and returns the board's sections for the choices in `state`. */
export async function exploreSections(container, { org, state, measurements, catalogue, onChange }) {
  if (measurements.length === 0) {
    container.append(el("p", { text: `org ${org} has no measurements yet` }));
    return [];
  }
  const measurement = measurements.includes(state.m) ? state.m : measurements[0];
  const path = `/api/v1/measurements/${encodeURIComponent(measurement)}`;
  const orgParam = `?org=${encodeURIComponent(org)}`;
  const [{ fields }, { tags }] = await Promise.all([
    api(`${path}/fields${orgParam}`),
    api(`${path}/tags${orgParam}`),
  ]);
  const names = fields.map((field) => field.name);
  let selected = list(state.f).filter((field) => names.includes(field));
  if (selected.length === 0)
    selected = fields
      .filter(isNumeric)
      .slice(0, 1)
      .map((field) => field.name);
  const groupable = tags.filter((tag) => tag !== "org");
  const groupBy = list(state.g).filter((tag) => groupable.includes(tag));
  const aggregate = AGGREGATES.includes(state.agg) ? state.agg : "auto";

  const form = el("form", { id: "explore-form", onsubmit: (event) => event.preventDefault() });
  const changed = () =>
    onChange({
      m: form.querySelector("#measurement").value,
      f: checked(form, "field").join(","),
      g: checked(form, "group").join(","),
      agg: form.querySelector("#aggregate").value,
    });
  const select = (id, label, values, value) =>
    el(
      "label",
      {},
      label,
      el(
        "select",
        { id, onchange: changed },
        ...values.map((v) => el("option", { value: v, text: v, selected: v === value })),
      ),
    );
  form.append(
    el(
      "div",
      { class: "row" },
      select("measurement", "Measurement", measurements, measurement),
      select("aggregate", "Aggregate", AGGREGATES, aggregate),
    ),
    checkboxes(
      "field",
      "Fields",
      fields.map((field) => ({ value: field.name, label: `${field.name} (${field.unit ?? field.type})` })),
      selected,
      changed,
    ),
    checkboxes(
      "group",
      "Group by",
      groupable.map((tag) => ({ value: tag, label: tag })),
      groupBy,
      changed,
    ),
  );
  container.append(form);

  const declared = catalogue.sources.find((source) =>
    source.measurements.some((m) => m.name === measurement),
  );
  const fallbackInterval = durationSeconds(declared?.interval) ?? 10;
  const declaredMeasurement = catalogue.sources
    .flatMap((source) => source.measurements)
    .concat(catalogue.everySource)
    .find((m) => m.name === measurement);
  // Which fields are counters, from the catalogue (the org's field list does not say).
  const counter = (field) =>
    declaredMeasurement?.fields.some((d) => d.name === field.name && d.counter) ?? false;
  const chosen = fields
    .filter((field) => selected.includes(field.name))
    .map((field) => ({ ...field, counter: counter(field) }));
  const base = { measurement, groupBy, fallbackInterval };
  const groups = chartGroups(chosen.filter(isNumeric), aggregate === "auto" ? undefined : aggregate);
  const panels = [...groups.values()].map((group) => {
    const names = group.fields.map((field) => field.name).join(", ");
    return {
      ...base,
      kind: "chart",
      title: group.aggregate === "rate" ? `${names} per second` : `${group.aggregate} of ${names}`,
      description: group.fields
        .map((field) => `${field.name}: ${field.description ?? field.type}`)
        .join("\n"),
      fields: group.fields.map((field) => field.name),
      unit: group.unit,
      aggregate: group.aggregate,
      details: true,
    };
  });
  const texts = chosen.filter((field) => !isNumeric(field));
  if (texts.length > 0) {
    panels.push({
      ...base,
      kind: "last",
      title: `Latest ${texts.map((field) => field.name).join(", ")}`,
      fields: texts,
    });
  }
  return [{ title: measurement, measurement, description: declaredMeasurement?.description, panels }];
}
