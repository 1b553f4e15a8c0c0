/** The query times kept per interval for the p99; beyond it, a uniform sample (reservoir) of them. */
const MAX_SAMPLES = 4096;

export interface QueryTimes {
  meanMs: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * What pm_gateway reports, counted as it happens: plain numbers bumped on every request, so counting
 * costs nothing when nobody publishes them. Counts run since the start; query times per interval.
 */
export class GatewayCounters {
  requests = 0;
  responses2xx = 0;
  responses4xx = 0;
  responses5xx = 0;
  unauthorized = 0;
  forbidden = 0;
  rateLimited = 0;
  influxqlRequests = 0;
  influxqlStatements = 0;
  influxqlRefused = 0;
  queries = 0;
  queryErrors = 0;
  failovers = 0;
  private times: number[] = [];
  private timed = 0;
  private timeSum = 0;
  private timeMax = 0;

  /** One API request answered with this status. */
  answered(status: number): void {
    this.requests++;
    if (status >= 200 && status < 300) this.responses2xx++;
    else if (status >= 400 && status < 500) this.responses4xx++;
    else if (status >= 500) this.responses5xx++;
    if (status === 401) this.unauthorized++;
    else if (status === 403) this.forbidden++;
    else if (status === 429) this.rateLimited++;
  }

  /** One query sent to InfluxDB, how long it took, and whether it failed. */
  queried(ms: number, failed: boolean): void {
    this.queries++;
    if (failed) this.queryErrors++;
    this.timed++;
    this.timeSum += ms;
    if (ms > this.timeMax) this.timeMax = ms;
    if (this.times.length < MAX_SAMPLES) this.times.push(ms);
    else {
      const slot = Math.floor(Math.random() * this.timed);
      if (slot < MAX_SAMPLES) this.times[slot] = ms;
    }
  }

  /** A query tried again on another replica. */
  failedOver(): void {
    this.failovers++;
  }

  /** The query times since the last call, or undefined when no query ran; starts the next interval. */
  takeQueryTimes(): QueryTimes | undefined {
    if (this.timed === 0) return undefined;
    const sorted = this.times.sort((a, b) => a - b);
    const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
    const times = { meanMs: this.timeSum / this.timed, p99Ms: p99, maxMs: this.timeMax };
    this.times = [];
    this.timed = 0;
    this.timeSum = 0;
    this.timeMax = 0;
    return times;
  }
}
