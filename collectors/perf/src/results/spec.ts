import { RESULT_FORMATS, type ResultFormat } from "./types.js";

/** `--results FORMAT[=FILE]`: what to read after the command exits, and from where (stdout without FILE). */
export interface ResultsSpec {
  format: ResultFormat | "auto";
  file: string | undefined;
}

const CHOICES = [...RESULT_FORMATS, "auto"] as const;

/** The spec, or a message saying what was expected. */
export function parseResultsSpec(text: string): ResultsSpec | string {
  const split = text.indexOf("=");
  const format = (split === -1 ? text : text.slice(0, split)).trim();
  const file = split === -1 ? undefined : text.slice(split + 1);
  if (!(CHOICES as readonly string[]).includes(format)) {
    return `expected FORMAT or FORMAT=FILE with FORMAT one of ${CHOICES.join(", ")}, got ${JSON.stringify(text)}`;
  }
  if (file !== undefined && file.trim() === "") return `expected a file name after "${format}="`;
  return { format: format as ResultsSpec["format"], file };
}
