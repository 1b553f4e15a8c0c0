import type { FieldValue } from "@platform-metrics/sdk";

/** One value a target exposes: a field named `name`, tagged with `labels`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: FieldValue;
  /** Nanoseconds, when the payload gave one. */
  timestamp?: bigint;
}

/** What a payload held: samples up to the cap, and what was left out. */
export interface Samples {
  samples: Sample[];
  /** Samples past maxSeries, not finite, or on lines that could not be read. */
  dropped: number;
  /** The first unreadable line's problem, for the log. */
  firstProblem?: string;
  /** Lines that could not be read (part of dropped). */
  unreadable: number;
}

export class SampleSink implements Samples {
  samples: Sample[] = [];
  dropped = 0;
  unreadable = 0;
  firstProblem: string | undefined;

  constructor(private readonly maxSeries: number) {}

  add(sample: Sample): void {
    if (sample.value.type === "float" && !Number.isFinite(sample.value.value)) this.dropped++;
    else if (this.samples.length >= this.maxSeries) this.dropped++;
    else this.samples.push(sample);
  }

  problem(message: string): void {
    this.dropped++;
    this.unreadable++;
    this.firstProblem ??= message;
  }
}
