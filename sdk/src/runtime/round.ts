import { Buffer } from "node:buffer";
import { isOrgName } from "../contracts/names.js";
import { decodeLine } from "../line-protocol/decode.js";
import { DEFAULT_MAX_LINE_BYTES, MAX_TIMESTAMP, MIN_TIMESTAMP } from "../line-protocol/limits.js";
import type { Point } from "../line-protocol/types.js";
import type { MeasurementDeclarations } from "../measurements.js";
import {
  type CompiledMeasurement,
  compileMeasurements,
  tagTemplate,
} from "../point/compiled-measurements.js";
import { PointBuilder } from "../point/point-builder.js";
import type { Problem } from "../point/problems.js";
import { chunkOf, type LineChunk, linesOf } from "../publish/line-chunk.js";

export type { Problem, ProblemKind } from "../point/problems.js";

export interface RoundOutput {
  /** Encoded lines by org, as chunks of joined lines (see LineChunk). */
  chunksByOrg: Map<string, LineChunk[]>;
  /** How many valid points there are. */
  count: number;
  /** The decoded points, only when asked for (the test kit): the service needs just the lines. */
  points: Point[];
  problems: Problem[];
  droppedPoints: number;
  droppedFields: number;
}

export interface RoundTags {
  org: string;
  source: string;
  cluster?: string;
}

export interface RoundOptions {
  /**
   * The SDK tags, when known at the start (the service): points are then encoded as the round goes,
   * each when the next one starts, so a large round never holds thousands of builders at once.
   */
  tags?: RoundTags;
  /** Also decode every point (the test kit); points are then encoded only at the end. */
  keepPoints?: boolean;
  /** The round's signal: once it is aborted (timeout, shutdown), new points are not taken. */
  signal?: AbortSignal;
}

/** Where an early-encoded point's line is, so the line can be taken back if the point changes. */
interface Settled {
  org: OrgLines;
  chunk: number;
  line: number;
}

// A chunk is joined after this many lines or characters: few objects, and no huge strings.
const CHUNK_LINES = 64;
const CHUNK_CHARS = 16 * 1024;

/** One org's lines of a round: joined into chunks as they come. */
class OrgLines {
  readonly chunks: LineChunk[] = [];
  count = 0;
  private pending: string[] = [];
  private pendingEnds: number[] = [];
  private end = -1;
  private voided: Settled[] | undefined;

  add(line: string): Settled {
    const at: Settled = { org: this, chunk: this.chunks.length, line: this.pending.length };
    this.pending.push(line);
    this.end += line.length + 1;
    this.pendingEnds.push(this.end);
    this.count++;
    if (this.pending.length >= CHUNK_LINES || this.end >= CHUNK_CHARS) this.flush();
    return at;
  }

  /** Takes back a line added earlier (its point changed after it was encoded). */
  void(at: Settled): void {
    this.voided ??= [];
    this.voided.push(at);
    this.count--;
  }

  finish(): LineChunk[] {
    this.flush();
    if (this.voided !== undefined) {
      for (const [chunk, lines] of groupBy(this.voided)) {
        const kept = linesOf(this.chunks[chunk]!).filter((_, i) => !lines.has(i));
        this.chunks[chunk] = chunkOf(kept);
      }
      this.voided = undefined;
    }
    return this.chunks.filter((chunk) => chunk.ends.length > 0);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.chunks.push({ text: this.pending.join("\n"), ends: this.pendingEnds });
    this.pending = [];
    this.pendingEnds = [];
    this.end = -1;
  }
}

function groupBy(voided: readonly Settled[]): Map<number, Set<number>> {
  const byChunk = new Map<number, Set<number>>();
  for (const { chunk, line } of voided) {
    let lines = byChunk.get(chunk);
    if (lines === undefined) {
      lines = new Set();
      byChunk.set(chunk, lines);
    }
    lines.add(line);
  }
  return byChunk;
}

/** Collects the points a round builds, checks them against the declarations and encodes them. */
export class RoundRecorder {
  private readonly measurements: Map<string, CompiledMeasurement>;
  private readonly orgs = new Map<string, OrgLines>();
  private readonly eager: boolean;
  /** Points that could not be encoded early (a problem, no field yet): checked again at the end. */
  private unsettled: PointBuilder[] = [];
  private last: PointBuilder | undefined;
  private sealed = false;
  private finished = false;
  private lastTimestamp: bigint | undefined;
  private timestampText = "";

  constructor(
    readonly timestamp: bigint,
    declarations: MeasurementDeclarations,
    private readonly options: RoundOptions = {},
  ) {
    // Compiled once per declarations object (cached), looked up here once per round.
    this.measurements = compileMeasurements(declarations);
    this.eager = options.tags !== undefined && !options.keepPoints;
  }

  point(measurement: string): PointBuilder {
    // Points built after the round timed out are not part of the round.
    // (A check per point, not an abort listener per round: rounds run up to ten times a second.)
    if (this.sealed || this.options.signal?.aborted)
      return new PointBuilder(measurement, this.timestamp, this.measurements.get(measurement));
    const builder = new PointBuilder(measurement, this.timestamp, this.measurements.get(measurement), this);
    const previous = this.last;
    this.last = builder;
    if (previous !== undefined && !(this.eager && this.settle(previous))) this.unsettled.push(previous);
    return builder;
  }

  /** Later `point()` calls build points that are thrown away. */
  seal(): void {
    this.sealed = true;
  }

  /** A point encoded early was changed: take its line back and check it again at the end. */
  reopen(builder: PointBuilder, at: Settled): void {
    if (this.finished) return;
    at.org.void(at);
    this.unsettled.push(builder);
  }

  /** Ends the round and returns its valid points, encoded. */
  finish(tags: RoundTags | undefined = this.options.tags): RoundOutput {
    if (tags === undefined) throw new Error("RoundRecorder.finish: no SDK tags");
    this.seal();
    this.finished = true;
    if (this.last !== undefined) this.unsettled.push(this.last);
    this.last = undefined;
    const output: RoundOutput = {
      chunksByOrg: new Map(),
      count: 0,
      points: [],
      problems: [],
      droppedPoints: 0,
      droppedFields: 0,
    };
    const report = (problem: Problem) => {
      output.problems.push(problem);
      if (problem.pointDropped) output.droppedPoints++;
      else output.droppedFields++;
    };
    for (const builder of this.unsettled) {
      if (builder.problems !== undefined) for (const problem of builder.problems) report(problem);
      const problem = this.check(builder, tags);
      if (problem !== undefined) {
        report(problem);
        continue;
      }
      const org = builder.orgOverride ?? tags.org;
      const line = this.encode(builder, org, tags);
      if (typeof line !== "string") {
        report(line);
        continue;
      }
      this.orgLines(org).add(line);
      if (this.options.keepPoints) output.points.push(toPoint(line, builder.timestamp));
    }
    this.unsettled = [];
    for (const [org, lines] of this.orgs) {
      const chunks = lines.finish();
      if (chunks.length > 0) output.chunksByOrg.set(org, chunks);
      output.count += lines.count;
    }
    return output;
  }

  /** Encodes a finished-looking point now; false when it has a problem (left for the end, to report). */
  private settle(builder: PointBuilder): boolean {
    const tags = this.options.tags!;
    if (builder.problems !== undefined || this.check(builder, tags) !== undefined) return false;
    const org = builder.orgOverride ?? tags.org;
    const line = this.encode(builder, org, tags);
    if (typeof line !== "string") return false;
    builder.settled = this.orgLines(org).add(line);
    return true;
  }

  /** Why the point cannot be written as it is, if it cannot. */
  private check(builder: PointBuilder, tags: RoundTags): Problem | undefined {
    const measurement = builder.measurement;
    const declaration = builder.declaration;
    if (declaration === undefined) {
      return {
        kind: "undeclared_measurement",
        measurement,
        pointDropped: true,
        message: `measurement ${JSON.stringify(measurement)} is not declared by this collector`,
      };
    }
    if (builder.dropped !== undefined) return builder.dropped;
    const org = builder.orgOverride;
    if (org !== undefined && org !== tags.org && !isOrgName(org)) {
      return {
        kind: "invalid_org",
        measurement,
        pointDropped: true,
        message: `${measurement}: org ${JSON.stringify(org)} is not a valid NATS subject token`,
      };
    }
    if (builder.fieldCount === 0) {
      return {
        kind: "no_fields",
        measurement,
        pointDropped: true,
        message: `${measurement}: point has no valid fields, dropped`,
      };
    }
    return undefined;
  }

  /** The point's line, or the problem that keeps it from having one. */
  private encode(builder: PointBuilder, org: string, tags: RoundTags): string | Problem {
    const measurement = builder.measurement;
    const timestamp = builder.timestamp;
    // Most points of a round share a timestamp (the round's): print it once.
    if (timestamp !== this.lastTimestamp) {
      // InfluxDB keeps the two lowest and the highest int64 as sentinels and refuses points at those times.
      if (timestamp < MIN_TIMESTAMP || timestamp > MAX_TIMESTAMP) {
        return {
          kind: "unencodable",
          measurement,
          pointDropped: true,
          message: `${measurement}: timestamp ${timestamp} is outside InfluxDB's range ${MIN_TIMESTAMP} to ${MAX_TIMESTAMP} nanoseconds`,
        };
      }
      this.lastTimestamp = timestamp;
      this.timestampText = ` ${timestamp}`;
    }
    const template = tagTemplate(builder.declaration!, org, tags.source, tags.cluster);
    const line = builder.encode(template, this.timestampText);
    // The relay refuses longer lines; refuse them here, where the collector's log says which point it was.
    if (line.length * 3 > DEFAULT_MAX_LINE_BYTES && Buffer.byteLength(line) > DEFAULT_MAX_LINE_BYTES) {
      return {
        kind: "unencodable",
        measurement,
        pointDropped: true,
        message: `${measurement}: the line is longer than ${DEFAULT_MAX_LINE_BYTES} bytes (a very long string field?)`,
      };
    }
    return line;
  }

  private orgLines(org: string): OrgLines {
    let lines = this.orgs.get(org);
    if (lines === undefined) {
      lines = new OrgLines();
      this.orgs.set(org, lines);
    }
    return lines;
  }
}

/** Every line of a round's output for one org, one string each (the test kit; small rounds). */
export function outputLines(output: RoundOutput, org?: string): string[] {
  const chunks =
    org === undefined ? [...output.chunksByOrg.values()].flat() : (output.chunksByOrg.get(org) ?? []);
  return chunks.flatMap(linesOf);
}

/** The point as it goes out: decoded from its own line, so the test kit sees exactly what is published. */
function toPoint(line: string, timestamp: bigint): Point {
  const parsed = decodeLine(line);
  return {
    measurement: parsed.measurement,
    tags: { ...parsed.tags },
    fields: { ...parsed.fields },
    timestamp,
  };
}
