// Small DOM helpers: elements are built with textContent only, never from HTML strings.

export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") element.textContent = value;
    else if (key === "class") element.className = value;
    else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? "" : value);
  }
  element.append(...children.filter((child) => child !== undefined && child !== null));
  return element;
}

/** A table in a scrolling wrapper, so a wide one never widens the page. */
export function table(headers, rows, { caption } = {}) {
  const head = el("tr", {}, ...headers.map((text) => el("th", { text })));
  const body = rows.map((row) =>
    el(
      "tr",
      {},
      ...row.map((cell) => (cell instanceof Node ? el("td", {}, cell) : el("td", { text: cell }))),
    ),
  );
  return el(
    "div",
    { class: "table-wrap" },
    el(
      "table",
      {},
      caption ? el("caption", { text: caption }) : null,
      el("thead", {}, head),
      el("tbody", {}, ...body),
    ),
  );
}
