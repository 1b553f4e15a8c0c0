// A validated line as offsets into its source text; names and values are decoded when read.
import { current } from "./scan-common.js";
import { decodeName, MEASUREMENT, scanFields, scanSeries } from "./scan-sections.js";
import type { FieldValue } from "./types.js";

export interface ParsedLine {
  /** The line as given. */
  readonly text: string;
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** Integer nanoseconds; undefined when the line has none (InfluxDB then uses the time of the write). */
  readonly timestamp: bigint | undefined;
  /** Measurement and tags exactly as written (escaped). */
  readonly series: string;
  /** The field section exactly as written. */
  readonly fieldsText: string;
  /** The timestamp exactly as written, if any. */
  readonly timestampText: string | undefined;
  /**
   * Where the sections lie, so a caller can copy or compare them without slicing: offsets into
   * `source` (for parseMessage's lines the whole message text; for an ASCII message also its byte
   * offsets). The series runs from seriesStart (after leading blanks) to seriesEnd; timeStart and
   * timeEnd are -1 when the line has no timestamp.
   */
  readonly source: string;
  readonly lineStart: number;
  readonly lineEnd: number;
  readonly seriesStart: number;
  readonly seriesEnd: number;
  readonly fieldsStart: number;
  readonly fieldsEnd: number;
  readonly timeStart: number;
  readonly timeEnd: number;
  /**
   * Offset in `source` of the comma before the tag whose key is written exactly as the `tagKey` given
   * to parseMessage (keys are unique in a line, so there is at most one); -1 when there is none or
   * none was asked for. The relay finds the `org` tag this way without searching the line again.
   */
  readonly tagStart: number;
  /**
   * Where that tag would be inserted when the line has none (tagStart -1), in key order as rewriteLine
   * does: the comma before the first tag whose key as written sorts after it, or seriesEnd; -1 when no
   * tagKey was asked for.
   */
  readonly tagInsertAt: number;
}

/** A validated line: offsets into its source text; names and values are decoded when read. */
export class Line implements ParsedLine {
  private decodedTags: Record<string, string> | undefined;
  private decodedFields: Record<string, FieldValue> | undefined;

  constructor(
    readonly source: string,
    readonly lineStart: number,
    readonly lineEnd: number,
    readonly seriesStart: number,
    private readonly measurementEnd: number,
    private readonly measurementEscaped: boolean,
    readonly seriesEnd: number,
    readonly fieldsStart: number,
    readonly fieldsEnd: number,
    readonly timeStart: number,
    readonly timeEnd: number,
    readonly tagStart: number,
    readonly tagInsertAt: number,
  ) {}

  get text(): string {
    return this.source.slice(this.lineStart, this.lineEnd);
  }

  get series(): string {
    return this.source.slice(this.seriesStart, this.seriesEnd);
  }

  get fieldsText(): string {
    return this.source.slice(this.fieldsStart, this.fieldsEnd);
  }

  get timestampText(): string | undefined {
    return this.timeStart === -1 ? undefined : this.source.slice(this.timeStart, this.timeEnd);
  }

  get measurement(): string {
    return decodeName(
      this.source,
      this.seriesStart,
      this.measurementEnd,
      MEASUREMENT,
      this.measurementEscaped,
    );
  }

  get tags(): Readonly<Record<string, string>> {
    if (this.decodedTags === undefined) {
      const tags: Record<string, string> = {};
      current.base = this.lineStart;
      scanSeries(this.source, this.seriesStart, this.lineEnd, tags);
      this.decodedTags = tags;
    }
    return this.decodedTags;
  }

  get fields(): Readonly<Record<string, FieldValue>> {
    if (this.decodedFields === undefined) {
      const fields: Record<string, FieldValue> = {};
      current.base = this.lineStart;
      scanFields(this.source, this.fieldsStart, this.lineEnd, fields);
      this.decodedFields = fields;
    }
    return this.decodedFields;
  }

  get timestamp(): bigint | undefined {
    return this.timeStart === -1 ? undefined : BigInt(this.source.slice(this.timeStart, this.timeEnd));
  }
}

/** Sections of a line validated elsewhere (scan-bytes.ts), as offsets into `text`. */
export interface LineSections {
  start: number;
  measurementEnd: number;
  measurementEscaped: boolean;
  seriesEnd: number;
  fieldsStart: number;
  fieldsEnd: number;
  timeStart: number;
  timeEnd: number;
  tagStart: number;
  tagInsertAt: number;
}

/** A ParsedLine for text[lineStart, lineEnd), already validated with the given sections. */
export function lineFromSections(
  text: string,
  lineStart: number,
  lineEnd: number,
  at: LineSections,
): ParsedLine {
  return new Line(
    text,
    lineStart,
    lineEnd,
    at.start,
    at.measurementEnd,
    at.measurementEscaped,
    at.seriesEnd,
    at.fieldsStart,
    at.fieldsEnd,
    at.timeStart,
    at.timeEnd,
    at.tagStart,
    at.tagInsertAt,
  );
}
