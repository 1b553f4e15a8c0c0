// CSV of what a panel shows. A text cell that a spreadsheet would read as a formula (= + - @, tab,
// carriage return first) gets a leading single quote, so opening the file never runs data as code.
import { isoLocal } from "./time.js";

function cell(value) {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** `time` (ISO 8601 with the browser's offset), then one column per chart column. */
export function columnsToCsv({ times, columns }) {
  const lines = [["time", ...columns.map((column) => column.label)].map(cell).join(",")];
  times.forEach((time, i) => {
    lines.push([isoLocal(time), ...columns.map((column) => column.values[i])].map(cell).join(","));
  });
  return `${lines.join("\r\n")}\r\n`;
}

export function downloadLink(text, fileName) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  link.download = fileName;
  link.textContent = "Download CSV";
  return link;
}
