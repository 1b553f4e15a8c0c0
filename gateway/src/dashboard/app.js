// Dashboard: plain browser JavaScript modules, no build step, only the gateway's API. Overview pages
// per source come from the collectors' declarations (GET /api/v1/catalogue); the state is in the URL.
import { abortAll, api, isAbort, token } from "./js/api.js";
import { Board } from "./js/board.js";
import { el } from "./js/dom.js";
import { exploreSections } from "./js/explore.js";
import { forgetIntervals } from "./js/interval.js";
import { overviewSections, sourcesWithData } from "./js/overview.js";
import { readState, writeState } from "./js/state.js";
import {
  fromLocalInput,
  isRelative,
  msToSpec,
  specToMs,
  toLocalInput,
  zoneName,
  zoneOffset,
} from "./js/time.js";

const $ = (id) => document.getElementById(id);
const PRESETS = [
  ["-15m", "last 15 minutes"],
  ["-30m", "last 30 minutes"],
  ["-1h", "last hour"],
  ["-6h", "last 6 hours"],
  ["-24h", "last 24 hours"],
  ["-7d", "last 7 days"],
];
const REFRESH = [
  ["off", "off"],
  ["5s", "5 s"],
  ["10s", "10 s"],
  ["30s", "30 s"],
  ["1m", "1 min"],
  ["5m", "5 min"],
];

let state = readState();
/** While a token is in use: its orgs, the catalogue, the org's measurements and sources. */
let session;
let board;
let generation = 0;
let updatedAt;
let refreshing = false;
let again = false;

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

function guard(action) {
  return (event) => {
    event?.preventDefault?.();
    action().catch((error) => {
      if (!isAbort(error)) setStatus(error.message, true);
    });
  };
}

const options = (pairs, value) =>
  pairs.map(([v, label]) => el("option", { value: v, text: label, selected: v === value }));

async function start() {
  const [{ orgs }, catalogue] = await Promise.all([api("/api/v1/orgs"), api("/api/v1/catalogue")]);
  session = { orgs, catalogue };
  if (!orgs.includes(state.org)) state.org = orgs[0] ?? "";
  $("org").replaceChildren(
    ...options(
      orgs.map((org) => [org, org]),
      state.org,
    ),
  );
  $("controls").hidden = false;
  await loadOrg();
}

async function loadOrg() {
  const { measurements } = await api(`/api/v1/measurements?org=${encodeURIComponent(state.org)}`);
  session.measurements = measurements;
  session.sources = sourcesWithData(session.catalogue, measurements);
  if (state.view !== "explore" && !session.sources.some((source) => source.name === state.source)) {
    state.view = session.sources.length > 0 ? "overview" : "explore";
    state.source = session.sources[0]?.name ?? "";
  }
  await render();
}

function renderTabs() {
  const tab = (label, target) => {
    const current =
      state.view === target.view && (target.view === "explore" || state.source === target.source);
    return el("button", {
      type: "button",
      class: "tab",
      "aria-current": current ? "page" : undefined,
      text: label,
      onclick: guard(async () => {
        Object.assign(state, target);
        writeState(state, true);
        await render();
      }),
    });
  };
  $("tabs").replaceChildren(
    ...session.sources.map((source) => tab(source.name, { view: "overview", source: source.name })),
    tab("Explore", { view: "explore" }),
  );
}

function renderTimeControls() {
  const preset =
    state.to === "now" && PRESETS.some(([value]) => value === state.from) ? state.from : "custom";
  $("range").replaceChildren(...options([...PRESETS, ["custom", "custom range"]], preset));
  $("refresh").replaceChildren(...options(REFRESH, state.refresh));
  $("custom-range").hidden = preset !== "custom";
  $("from").value = toLocalInput(specToMs(state.from));
  $("to").value = toLocalInput(specToMs(state.to));
  $("zone").textContent = `times in ${zoneName()} (${zoneOffset()})`;
}

async function render() {
  const mine = ++generation;
  writeState(state);
  renderTabs();
  renderTimeControls();
  board?.destroy();
  board = undefined;
  const view = $("view");
  view.replaceChildren();
  let sections;
  if (state.view === "explore") {
    sections = await exploreSections(view, {
      org: state.org,
      state,
      measurements: session.measurements,
      catalogue: session.catalogue,
      onChange: (choice) => {
        Object.assign(state, choice);
        writeState(state, true);
        guard(render)();
      },
    });
  } else {
    const source = session.sources.find((one) => one.name === state.source);
    view.append(el("h2", { class: "page-title", text: `${source.name}: ${source.description ?? ""}` }));
    sections = await overviewSections(source, session.catalogue, state.org, session.measurements);
  }
  if (mine !== generation) return;
  board = new Board(view, sections, { org: state.org, onZoom: zoomTo });
  await refresh();
}

/** Queries the board again; a call while one runs (a zoom mid-refresh) runs once more after it. */
async function refresh() {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  try {
    do {
      again = false;
      if (!board) return;
      const errors = await board.refresh({ from: state.from, to: state.to });
      updatedAt = Date.now();
      showUpdated();
      if (errors.length > 0) setStatus(`${errors.length} panel(s) failed: ${errors[0]}`, true);
      else setStatus("");
    } while (again);
  } finally {
    refreshing = false;
  }
}

function refreshMs() {
  const match = /^(\d+)([sm])$/.exec(state.refresh);
  return match ? Number(match[1]) * (match[2] === "m" ? 60_000 : 1000) : undefined;
}

function showUpdated() {
  if (!updatedAt) {
    $("updated").textContent = "";
    return;
  }
  const seconds = Math.max(0, Math.round((Date.now() - updatedAt) / 1000));
  const every = refreshMs();
  const note = !every ? "" : isRelative(state.to) ? "" : " (auto-refresh paused: fixed range)";
  $("updated").textContent = `updated ${seconds} s ago${note}`;
}

// Once a second: the "updated N s ago" line, and a refresh when one is due (relative ranges only:
// a fixed range shows the same data however often it is asked).
setInterval(() => {
  showUpdated();
  const every = refreshMs();
  const due = updatedAt && Date.now() - updatedAt >= every;
  if (board && every && !refreshing && isRelative(state.to) && due) guard(refresh)();
}, 1000);

function setRange(from, to) {
  state.from = from;
  state.to = to;
  writeState(state, true);
  renderTimeControls();
  return refresh();
}

function zoomTo(fromSeconds, toSeconds) {
  guard(() => setRange(msToSpec(fromSeconds * 1000), msToSpec(toSeconds * 1000)))();
}

$("range").addEventListener(
  "change",
  guard(async () => {
    const value = $("range").value;
    if (value === "custom") {
      $("custom-range").hidden = false;
      return;
    }
    await setRange(value, "now");
  }),
);
$("time-controls").addEventListener(
  "submit",
  guard(async () => {
    const from = fromLocalInput($("from").value);
    const to = fromLocalInput($("to").value);
    if (!(from < to)) throw new Error("the range's start must be before its end");
    await setRange(msToSpec(from), msToSpec(to));
  }),
);
$("zoom-out").addEventListener(
  "click",
  guard(async () => {
    const now = Date.now();
    const from = specToMs(state.from, now);
    const to = specToMs(state.to, now);
    const span = to - from;
    await setRange(msToSpec(from - span / 2), msToSpec(Math.min(now, to + span / 2)));
  }),
);
$("refresh").addEventListener("change", () => {
  state.refresh = $("refresh").value;
  writeState(state);
  showUpdated();
});
$("org").addEventListener(
  "change",
  guard(async () => {
    state.org = $("org").value;
    await loadOrg();
  }),
);
window.addEventListener("popstate", () => {
  state = readState();
  if (session) guard(loadOrg)();
});

$("token-form").addEventListener(
  "submit",
  guard(async () => {
    forget();
    token.set($("token").value.trim());
    $("token").value = "";
    setStatus("");
    await start();
  }),
);

/** Drops the token and everything drawn with it. */
function forget() {
  token.clear();
  abortAll();
  forgetIntervals();
  generation++;
  board?.destroy();
  board = undefined;
  session = undefined;
  updatedAt = undefined;
  $("view").replaceChildren();
  $("tabs").replaceChildren();
  $("org").replaceChildren();
  $("updated").textContent = "";
  $("controls").hidden = true;
}
$("forget-token").addEventListener("click", () => {
  forget();
  setStatus("token forgotten; its data is cleared from the page");
});

/** The operator's note (PM_GATEWAY_NOTICE), e.g. that the data is simulated; plain text. */
async function showNotice() {
  const response = await fetch("/notice.json");
  const { notice } = response.ok ? await response.json() : {};
  if (typeof notice === "string" && notice !== "") {
    $("notice").textContent = notice;
    $("notice").hidden = false;
  }
}
showNotice().catch(() => {});

if (token.get()) guard(start)();
