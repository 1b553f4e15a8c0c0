// The page's state lives in the URL's query string, so a reload or a shared link shows the same thing.

const DEFAULTS = {
  view: "",
  source: "",
  org: "",
  from: "-1h",
  to: "now",
  refresh: "30s",
  m: "",
  f: "",
  g: "",
  agg: "auto",
};

export function readState() {
  const params = new URLSearchParams(location.search);
  return Object.fromEntries(Object.entries(DEFAULTS).map(([key, value]) => [key, params.get(key) ?? value]));
}

/** Writes `state` into the URL: a new history entry when `push`, else in place. */
export function writeState(state, push = false) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state))
    if (value && value !== DEFAULTS[key]) params.set(key, value);
  const query = params.toString();
  const url = `${location.pathname}${query ? `?${query}` : ""}`;
  if (url === `${location.pathname}${location.search}`) return;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

export const list = (text) => (text ? text.split(",").filter(Boolean) : []);
