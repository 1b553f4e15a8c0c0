import type { Logger } from "@platform-metrics/sdk";
import { LineProcess } from "./line-process.js";
import {
  APPS_QUERY,
  type AppReading,
  GPU_QUERY,
  type GpuReading,
  parseAppLine,
  parseGpuLine,
} from "./parse-csv.js";

export interface GpuMonitorOptions {
  /** Path of nvidia-smi. */
  executable: string;
  intervalMs: number;
  log: Logger;
}

/**
 * GPU readings from two long-running nvidia-smi processes in loop mode (-lms), one for the GPUs
 * and one for the compute processes, instead of starting nvidia-smi every round. Each round takes
 * the latest reading; readings older than a few intervals (nvidia-smi stalled or died) are dropped.
 */
export class GpuMonitor {
  private readonly gpu: LineProcess;
  private readonly apps: LineProcess;
  private readonly latest = new Map<number, { reading: GpuReading; at: number }>();
  private readonly appsIntervalMs: number;
  private appsBurst: AppReading[] = [];
  private appsComplete: AppReading[] | undefined;
  private lastAppLineAt: number | undefined;
  private appsStartedAt: number | undefined;
  private garbageWarned = false;
  garbageLines = 0;

  constructor(private readonly options: GpuMonitorOptions) {
    const { executable, intervalMs, log } = options;
    const format = "--format=csv,noheader,nounits";
    // Process lists change slowly and cost the driver more to ask for: at most once a second.
    this.appsIntervalMs = Math.max(intervalMs, 1000);
    this.gpu = new LineProcess({
      name: "nvidia-smi --query-gpu",
      command: executable,
      args: [`--query-gpu=${GPU_QUERY}`, format, "-lms", String(intervalMs)],
      log,
      onLine: (line) => this.onGpuLine(line),
    });
    this.apps = new LineProcess({
      name: "nvidia-smi --query-compute-apps",
      command: executable,
      args: [`--query-compute-apps=${APPS_QUERY}`, format, "-lms", String(this.appsIntervalMs)],
      log,
      onLine: (line) => this.onAppLine(line),
    });
  }

  start(): void {
    this.gpu.start();
    this.apps.start();
    this.appsStartedAt = performance.now();
  }

  get starts(): { gpu: number; apps: number } {
    return { gpu: this.gpu.starts, apps: this.apps.starts };
  }

  /** The latest reading of each GPU, if recent. */
  gpus(now = performance.now()): GpuReading[] {
    const staleAfter = Math.max(3 * this.options.intervalMs, 3000);
    return [...this.latest.values()]
      .filter((entry) => now - entry.at <= staleAfter)
      .map((entry) => entry.reading)
      .sort((a, b) => a.index - b.index);
  }

  /**
   * The compute processes of the latest complete listing; undefined while unknown (not started,
   * or nvidia-smi is down). nvidia-smi prints nothing when no process uses a GPU, so a silence
   * of a few intervals from a running query means none.
   */
  computeApps(now = performance.now()): AppReading[] | undefined {
    if (!this.apps.running || this.appsStartedAt === undefined) return undefined;
    const gap = this.appsIntervalMs / 2;
    const silentFor = now - (this.lastAppLineAt ?? this.appsStartedAt);
    if (silentFor > 2.5 * this.appsIntervalMs) return [];
    if (this.lastAppLineAt !== undefined && silentFor > gap) return this.appsBurst;
    return this.appsComplete;
  }

  async stop(): Promise<void> {
    await Promise.all([this.gpu.stop(), this.apps.stop()]);
  }

  private onGpuLine(line: string): boolean {
    const reading = parseGpuLine(line);
    if (!reading) return this.garbage(line);
    this.latest.set(reading.index, { reading, at: performance.now() });
    return true;
  }

  private onAppLine(line: string): boolean {
    const now = performance.now();
    // Lines of one listing come together; a pause longer than half the interval starts the next.
    if (this.lastAppLineAt === undefined || now - this.lastAppLineAt > this.appsIntervalMs / 2) {
      if (this.lastAppLineAt !== undefined) this.appsComplete = this.appsBurst;
      this.appsBurst = [];
    }
    this.lastAppLineAt = now;
    if (/^No running/i.test(line)) return true;
    const app = parseAppLine(line);
    if (!app) return this.garbage(line);
    this.appsBurst.push(app);
    return true;
  }

  private garbage(line: string): false {
    this.garbageLines++;
    if (!this.garbageWarned) {
      this.garbageWarned = true;
      this.options.log.warn(
        { line: line.slice(0, 200) },
        "nvidia-smi printed a line that is not the expected CSV; skipped (warned once, counted)",
      );
    }
    return false;
  }
}
