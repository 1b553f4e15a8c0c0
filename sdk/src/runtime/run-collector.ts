import type { Logger } from "pino";
import type { z } from "zod";
import type { AnyCollector, BaseContext } from "../collector.js";
import { ConfigError } from "../config/load.js";
import { createLogger } from "../log.js";
import { createSink } from "../publish/create-sink.js";
import type { LineChunk } from "../publish/line-chunk.js";
import type { Sink } from "../publish/sink.js";
import { nowNs } from "../time.js";
import { parseCli, UsageError, usage } from "./cli.js";
import { startHealthServer } from "./health-server.js";
import { packageVersion } from "./package-version.js";
import { type CollectorConfig, resolveCollectorConfig } from "./resolve-config.js";
import { type Problem, RoundRecorder, type RoundTags } from "./round.js";
import { type RoundOutcome, Scheduler } from "./scheduler.js";
import { SDK_MEASUREMENTS, SelfMetrics } from "./self-metrics.js";

export interface RunOptions {
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Shown by `--version` (default: the version in the package.json above the running bin). */
  version?: string;
}

/**
 * Runs a collector as a service: command line, config, health endpoints, rounds on a schedule,
 * publishing, and a clean shutdown on SIGTERM/SIGINT. Ends the process with the exit code.
 */
export async function runCollector(collector: AnyCollector, options: RunOptions = {}): Promise<never> {
  const code = await runCollectorUntilDone(collector, options);
  process.exit(code);
}

async function runCollectorUntilDone(collector: AnyCollector, options: RunOptions): Promise<number> {
  let cli: ReturnType<typeof parseCli>;
  let config: CollectorConfig<z.ZodObject>;
  try {
    cli = parseCli(options.argv ?? process.argv.slice(2), collector);
    if (cli.help) {
      process.stdout.write(usage(collector));
      return 0;
    }
    if (cli.version) {
      process.stdout.write(
        `pm-collector-${collector.name} ${options.version ?? packageVersion(process.argv[1])}\n`,
      );
      return 0;
    }
    config = resolveCollectorConfig(collector, { env: options.env, overrides: cli.overrides });
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(
        `${collector.name}: ${error.message}\n${error instanceof UsageError ? "Try --help.\n" : ""}`,
      );
      return 2;
    }
    throw error;
  }
  const log = createLogger({
    name: `pm-collector-${collector.name}`,
    level: config.logLevel,
    toStderr: config.sink.kind === "stdout",
  });
  return new CollectorService(collector, config, log, cli.once).run();
}

class CollectorService {
  private readonly shutdown = new AbortController();
  private readonly metrics = new SelfMetrics();
  private readonly warned = new Set<string>();
  private sink!: Sink;
  private state: unknown;
  private lastGoodRound = 0;
  private stopRequest: { exitCode: number; reason?: string } | undefined;
  private scheduler: Scheduler | undefined;
  private wake: (() => void) | undefined;
  private currentRecorder: RoundRecorder | undefined;
  private stopRequestedAt: number | undefined;
  /** Points still undelivered at exit. */
  private unsent = 0;
  private readonly tags: RoundTags;

  constructor(
    private readonly collector: AnyCollector,
    private readonly config: CollectorConfig<z.ZodObject>,
    private readonly log: Logger,
    private readonly once: boolean,
  ) {
    this.tags = { org: config.org, source: collector.name, cluster: config.cluster };
  }

  async run(): Promise<number> {
    const { collector, config, log } = this;
    // First of all: a SIGTERM that comes while the sink or the health server starts (a supervisor
    // that stops what it just started) is a clean stop, not Node's default death by signal.
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.collector.onSignal?.(signal, { ...this.baseContext(), state: this.state }) === true) {
        log.info({ signal }, "signal handled by the collector");
        return;
      }
      log.info({ signal }, "stopping");
      this.requestStop({ exitCode: 0, reason: signal });
    };
    const signals: NodeJS.Signals[] = [
      "SIGTERM",
      "SIGINT",
      ...(collector.onSignal ? ["SIGHUP" as const] : []),
    ];
    for (const signal of signals) process.on(signal, onSignal);
    const unlisten = () => {
      for (const signal of signals) process.off(signal, onSignal);
    };
    try {
      this.sink = await createSink(config, collector.name, log);
    } catch (error) {
      log.fatal({ err: (error as Error).message }, "cannot open the sink");
      unlisten();
      return 2;
    }
    const health = await startHealthServer({
      port: config.httpPort,
      ready: () => this.readiness(),
    }).catch((error: Error) => error);
    if (health instanceof Error) {
      log.fatal({ err: health.message }, "cannot start the health server");
      await this.sink.close();
      unlisten();
      return 1;
    }
    log.info(
      {
        interval: config.interval,
        sink: config.sink,
        org: config.org,
        httpPort: health.port,
        once: this.once,
      },
      "starting",
    );

    let exitCode = 0;
    try {
      this.state = await this.collector.setup?.(this.baseContext());
      this.scheduler = new Scheduler({
        intervalMs: config.interval,
        jitterMs: this.once ? 0 : config.jitter,
        timeoutMs: config.roundTimeout,
        settleMs: config.shutdownTimeout / 4,
        round: (signal, round) => this.runRound(signal, round),
        onRoundEnd: (outcome, round) => this.roundEnded(outcome, round),
        onSkipped: (count) => {
          this.metrics.roundsSkipped += count;
          log.warn({ skipped: count }, "rounds skipped: the previous round ran past their start");
        },
      });
      if (this.once) {
        const outcome = await this.scheduler.runOnce();
        exitCode = outcome.ok ? 0 : 1;
      } else {
        this.scheduler.start();
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          if (this.stopRequest) resolve();
        });
        await this.scheduler.stop(config.shutdownTimeout / 4);
      }
      exitCode = this.stopRequest?.exitCode ?? exitCode;
    } catch (error) {
      log.error({ err: (error as Error).message }, "setup failed");
      exitCode = 1;
    }

    await this.finish(health.close);
    unlisten();
    if (exitCode === 0 && this.once && this.unsent > 0) exitCode = 1;
    // Final totals, so an operator (or a test) can account for every point of the run.
    const { pointsWritten, pointsDropped } = this.sink.stats();
    log.info(
      {
        exitCode,
        reason: this.stopRequest?.reason,
        rounds: this.metrics.rounds,
        pointsWritten,
        pointsDropped: pointsDropped + this.metrics.invalidPointsDropped,
        pointsUnsent: this.unsent,
      },
      "stopped",
    );
    return exitCode;
  }

  private async finish(closeHealth: () => Promise<void>): Promise<void> {
    this.shutdown.abort();
    try {
      await this.collector.teardown?.({ ...this.baseContext(), state: this.state });
    } catch (error) {
      this.log.error({ err: (error as Error).message }, "teardown failed");
    }
    // Whatever the round and teardown left of PM_SHUTDOWN_TIMEOUT goes to the flush (at least 1 s).
    const deadline = (this.stopRequestedAt ?? Date.now()) + this.config.shutdownTimeout;
    const { pendingPoints } = await this.sink.flush(Math.max(1000, deadline - Date.now()));
    this.unsent = pendingPoints;
    if (pendingPoints > 0) {
      const where = this.config.spoolDir
        ? `kept in ${this.config.spoolDir} for the next start`
        : "lost (no PM_SPOOL_DIR)";
      this.log.error(
        { pendingPoints },
        `shutdown: points not delivered within PM_SHUTDOWN_TIMEOUT, ${where}`,
      );
    }
    await this.sink.close();
    await closeHealth();
  }

  private requestStop(request: { exitCode?: number; reason?: string }): void {
    this.stopRequest ??= { exitCode: request.exitCode ?? 0, reason: request.reason };
    this.stopRequestedAt ??= Date.now();
    this.wake?.();
    // With --once nothing waits on `wake`: give the running round its grace, then abort it.
    if (this.once) void this.scheduler?.stop(this.config.shutdownTimeout / 4);
  }

  private baseContext(signal: AbortSignal = this.shutdown.signal): BaseContext<Record<string, unknown>> {
    return {
      config: this.config,
      log: this.log,
      signal,
      stop: (request = {}) => this.requestStop(request),
      countErrors: (count) => {
        if (Number.isSafeInteger(count) && count > 0) this.metrics.errorsCounted += count;
      },
    };
  }

  private async runRound(signal: AbortSignal, round: number): Promise<void> {
    // Points built after a timeout or abort are not part of the round: the recorder checks `signal`.
    const recorder = new RoundRecorder(nowNs(), this.collector.measurements, { tags: this.tags, signal });
    this.currentRecorder = recorder;
    // The scheduler aborts `signal` on timeout and, at shutdown, once the round's grace is over; the
    // service's own signal is aborted only after that, so `signal` alone covers both.
    await this.collector.collect({
      ...this.baseContext(signal),
      point: (measurement) => recorder.point(measurement),
      timestamp: recorder.timestamp,
      round,
      state: this.state,
    });
  }

  private async roundEnded(outcome: RoundOutcome, round: number): Promise<void> {
    const { metrics, config } = this;
    metrics.rounds++;
    metrics.lastRoundSeconds = outcome.durationMs / 1000;
    if (outcome.ok) {
      this.lastGoodRound = Date.now();
    } else if (outcome.stopped) {
      // SIGTERM (or ctx.stop) while a round ran past its grace: expected, not a failure.
      this.log.info({ round }, "round cut short by the shutdown; keeping the points it built");
    } else {
      metrics.roundsFailed++;
      this.log.error({ round, err: outcome.error?.message, timedOut: outcome.timedOut }, "round failed");
    }
    // Points a failed round built before it failed are still good data.
    const recorder = this.currentRecorder;
    this.currentRecorder = undefined;
    if (recorder) {
      const output = recorder.finish();
      metrics.invalidPointsDropped += output.droppedPoints;
      metrics.fieldsDropped += output.droppedFields;
      metrics.pointsCollected += output.count;
      if (output.problems.length > 0) this.warnOnce(output.problems);
      this.write(output.chunksByOrg);
    }
    const self = new RoundRecorder(nowNs(), SDK_MEASUREMENTS, { tags: this.tags });
    metrics.fill(self.point("pm_collector"), this.sink.stats(), config);
    this.write(self.finish().chunksByOrg);
    this.sink.flush(0).catch(() => {});
  }

  private write(chunksByOrg: Map<string, LineChunk[]>): void {
    for (const [org, chunks] of chunksByOrg) for (const chunk of chunks) this.sink.writeChunk(org, chunk);
  }

  private warnOnce(problems: Problem[]): void {
    for (const problem of problems) {
      const key = `${problem.kind}:${problem.measurement}:${problem.field ?? ""}`;
      if (this.warned.has(key)) continue;
      this.warned.add(key);
      this.log.warn(
        { problem: problem.kind, measurement: problem.measurement, field: problem.field },
        `${problem.message} (counted; warned once)`,
      );
    }
  }

  private readiness() {
    const staleAfter = 3 * this.config.interval;
    const roundOk = this.lastGoodRound > 0 && Date.now() - this.lastGoodRound <= staleAfter;
    const sinkOk = this.sink.ready();
    return {
      ok: roundOk && sinkOk,
      detail: {
        sink: sinkOk ? "reachable" : (this.sink.notReadyReason?.() ?? "unreachable"),
        lastGoodRound: this.lastGoodRound ? new Date(this.lastGoodRound).toISOString() : null,
      },
    };
  }
}
