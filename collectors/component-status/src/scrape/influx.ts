import { parseMessage } from "@platform-metrics/sdk/line-protocol";
import { SampleSink } from "./sample.js";

/** Line protocol: each field of each line is a sample named <measurement>_<field>, tagged with the line's tags. */
export function parseInflux(body: Buffer, maxSeries: number): SampleSink {
  const sink = new SampleSink(maxSeries);
  const { lines, rejected } = parseMessage(body);
  for (const line of lines) {
    for (const [field, value] of Object.entries(line.fields)) {
      sink.add({
        name: `${line.measurement}_${field}`,
        labels: { ...line.tags },
        value,
        timestamp: line.timestamp,
      });
    }
  }
  for (const bad of rejected) sink.problem(bad.reason);
  return sink;
}
