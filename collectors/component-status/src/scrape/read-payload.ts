import type { Exchange } from "../probe/exchange.js";
import { parseExposition } from "./exposition.js";
import { type Format, formatOf } from "./format.js";
import { parseInflux } from "./influx.js";
import { parseJson } from "./json.js";
import type { SampleSink } from "./sample.js";

export type Payload = { format: Format; samples: SampleSink } | { problem: string };

/** The samples of a scraped answer, or why it holds none that can be read. */
export function readPayload(answer: Exchange, maxSeries: number): Payload {
  const format = formatOf(answer.headers["content-type"], answer.body);
  if (!isFormat(format)) return { problem: format };
  let samples: SampleSink | string;
  if (format === "json") samples = parseJson(answer.body, maxSeries);
  else if (format === "influx") samples = parseInflux(answer.body, maxSeries);
  else samples = parseExposition(answer.body.toString("utf8"), format, maxSeries);
  if (typeof samples === "string") return { problem: samples };
  // Nothing readable but something unreadable: garbage, not an empty exposition.
  if (samples.samples.length === 0 && samples.unreadable > 0)
    return { problem: `no readable ${format} sample: ${samples.firstProblem}` };
  return { format, samples };
}

function isFormat(value: string): value is Format {
  return value === "prometheus" || value === "openmetrics" || value === "influx" || value === "json";
}
