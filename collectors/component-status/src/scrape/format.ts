export type Format = "prometheus" | "openmetrics" | "influx" | "json";

/** What a scrape asks for, best first: what each format's servers send when asked. */
export const SCRAPE_ACCEPT =
  "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.8,application/json;q=0.5,*/*;q=0.1";

/** The format of an answer from its Content-Type; a plain text/plain is sniffed. A string says why none fits. */
export function formatOf(contentType: string | undefined, body: Buffer): Format | string {
  const [mediaType = "", ...parameters] = (contentType ?? "")
    .toLowerCase()
    .split(";")
    .map((s) => s.trim());
  if (mediaType === "application/openmetrics-text") return "openmetrics";
  if (mediaType === "application/json" || mediaType.endsWith("+json")) return "json";
  if (
    mediaType === "application/vnd.influx.line-protocol" ||
    mediaType === "application/x-influx-line-protocol"
  )
    return "influx";
  if (mediaType === "text/plain" || mediaType === "") {
    if (parameters.some((p) => p.startsWith("version=0.0.4"))) return "prometheus";
    return sniff(body) ?? `a text/plain body that reads as no metrics format (${preview(body)})`;
  }
  return `content type ${JSON.stringify(contentType)} is not Prometheus text, OpenMetrics, line protocol or JSON`;
}

/** The first line that is not blank or a comment decides. */
function sniff(body: Buffer): Format | undefined {
  const text = body.subarray(0, 64 * 1024).toString("utf8");
  if (/^\s*[{]/.test(text)) return "json";
  if (/^# (HELP|TYPE) /m.test(text)) return "prometheus";
  const line = text.split("\n").find((l) => l.trim() !== "" && !l.startsWith("#"));
  if (line === undefined) return undefined;
  // A Prometheus sample has no = outside its braces; line protocol's field set always has one.
  if (/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?[ \t]+[^\s=]+([ \t]+-?[\d.]+)?\s*$/.test(line)) return "prometheus";
  if (/^[^\s,#](\\.|[^\\ ])*[ ](\\.|[^\\ ])+=/.test(line)) return "influx";
  return undefined;
}

function preview(body: Buffer): string {
  return JSON.stringify(body.subarray(0, 40).toString("latin1"));
}
