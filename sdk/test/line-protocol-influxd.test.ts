import { type Influx, startInflux } from "@platform-metrics/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePoint } from "../src/line-protocol/encode.js";
import { type ParsedLine, parseLine } from "../src/line-protocol/parse.js";
import { type FieldValue, LineProtocolError, type Point } from "../src/line-protocol/types.js";

// Lines the parser accepts, chosen for the rules where parsers differ; each has its own measurement.
const handWritten = [
  'lp_escapes,tag\\ key=v\\,1\\=x f\\ k=1i,f\\,2="a \\"q\\" \\\\ b\\n" 1000',
  "lp_booleans a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE 2000",
  "lp_floats a=.5,b=5.,c=-1.5E-3,d=1e10,e=007,f=-0,g=2e+3 3000",
  'lp_backslash\\x,path=C:\\data\\new v="x\\y",w\\z=1 4000',
  'lp_quotes",t="q" f"k=1 5000',
  'lp_multiline s="line 1\nline 2, with = and \\"quotes\\"\n" 6000',
  "  lp_spaces,t=1   v=1    7000   ",
  'lp_unicode,région=Zürich\\ 🇨🇭 温度=21.5,s="😀" 8000',
  "lp=equals,t=1 v=1 9000",
  "lp_negative_time v=1 -5000",
  "lp_no_time v=1",
];

// Random points within what InfluxDB 1.6.7 stores and JSON returns exactly: no unsigned fields
// (1.6.7 refuses them), integers and timestamps within 2^53, timestamps near the epoch (few shards).
const safeUnit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("a", "b", "z", "0", "_", "-", ".") },
  { weight: 4, arbitrary: fc.constantFrom(" ", ",", "=", '"', "\\", "#", "é", "😀", "中") },
  { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
);
const name = fc.string({ unit: safeUnit, minLength: 1, maxLength: 8 });
const fieldValue: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => ({ type: "float" as const, value })),
  fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }).map((value) => ({ type: "integer" as const, value })),
  fc
    .string({ unit: fc.oneof(safeUnit, fc.constantFrom("\n", "\\n", '\\"')), maxLength: 12 })
    .map((value) => ({ type: "string" as const, value })),
  fc.boolean().map((value) => ({ type: "boolean" as const, value })),
);
const randomPoint = fc.record(
  {
    measurement: name,
    tags: fc.dictionary(name, name, { maxKeys: 3 }),
    fields: fc.dictionary(name, fieldValue, { minKeys: 1, maxKeys: 4 }),
    timestamp: fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }),
  },
  { requiredKeys: ["measurement", "tags", "fields"] },
);

function randomLines(count: number): string[] {
  const lines: string[] = [];
  fc.sample(randomPoint, { numRuns: count * 2, seed: 20240607 }).forEach((p: Point, k) => {
    // SELECT * returns tags and fields as columns, so a tag and a field must not share a key.
    if (Object.keys(p.tags).some((key) => key in p.fields)) return;
    try {
      lines.push(encodePoint({ ...p, measurement: `r${k}_${p.measurement}` }));
    } catch (error) {
      if (!(error instanceof LineProtocolError)) throw error;
    }
  });
  return lines.slice(0, count);
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function expectedRow(line: ParsedLine): Record<string, unknown> {
  const row: Record<string, unknown> = { ...line.tags };
  for (const [key, field] of Object.entries(line.fields)) {
    row[key] = field.type === "integer" ? Number(field.value) : field.value;
  }
  if (line.timestamp !== undefined) row.time = Number(line.timestamp);
  return row;
}

describe("the parser against a real InfluxDB 1.6.7", () => {
  let influx: Influx;
  beforeAll(async () => {
    influx = await startInflux();
    await influx.createDatabase("lp");
  });
  afterAll(async () => {
    await influx?.close();
  });

  it("InfluxDB accepts every line the parser accepts and stores exactly what the parser read", async () => {
    const lines = [...handWritten, ...randomLines(150)];
    expect(lines.length).toBeGreaterThan(100);
    const parsed = lines.map((line) => parseLine(line));
    await influx.write("lp", lines.join("\n")); // throws unless InfluxDB answers 204

    // One SELECT per measurement: across measurements, InfluxQL drops fields whose types differ.
    const q = parsed.map((line) => `SELECT * FROM ${quoteIdentifier(line.measurement)}`).join("; ");
    const response = await fetch(`${influx.url}/query`, {
      method: "POST",
      body: new URLSearchParams({ db: "lp", epoch: "ns", q }),
    });
    const body = (await response.json()) as {
      results: { series?: { name: string; columns: string[]; values: unknown[][] }[]; error?: string }[];
    };
    expect(body.results).toHaveLength(parsed.length);
    parsed.forEach((line, k) => {
      const series = body.results[k]?.series;
      expect(series, `${line.text}: ${body.results[k]?.error}`).toHaveLength(1);
      expect(series![0]!.name).toBe(line.measurement);
      expect(series![0]!.values).toHaveLength(1);
      const row = Object.fromEntries(
        series![0]!.columns.map((column, c) => [column, series![0]!.values[0]![c]]),
      );
      if (line.timestamp === undefined) delete row.time;
      expect(row, line.text).toEqual(expectedRow(line));
    });
  });
});
