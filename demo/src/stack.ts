import { freePort, type Influx, type NatsServer, startInflux, startNats } from "@platform-metrics/testing";
import { COLLECTORS, type DemoCollector, SIMULATED_CLUSTER } from "./collectors.js";
import { demoToken } from "./demo-token.js";
import { demoEndpoints, type Endpoint, httpEndpoint } from "./endpoints.js";
import { ensureDir, type Layout, layout } from "./layout.js";
import { NodeService } from "./node-service.js";
import { type Output, serviceLine, stopwatch } from "./progress.js";
import { SIMULATORS, type SimulatorName, type StartedSimulator } from "./simulators.js";
import { writeStackFile } from "./stack-file.js";

/** The org of the demo's points and token: the collectors' default PM_ORG and the relay's own org. */
export const DEMO_ORG = "platform";
/** How long the demo waits for a service's /readyz before it says NOT READY (and goes on). */
const READY_BOUND_MS = 120_000;
const REPLICAS = ["a", "b"] as const;

/** The order services stop in is the reverse of these stages; one stage stops at once. */
const Stage = { Servers: 0, Pipeline: 1, Simulators: 2, Collectors: 3 } as const;
type Stage = (typeof Stage)[keyof typeof Stage];

/** A service of ours to start from its bin (relay, gateway, a collector). */
interface NodeSpec {
  stage: Stage;
  /** The demo cannot go on without it. */
  required: boolean;
  name: string;
  bin: string;
  port: number;
  env: Record<string, string>;
  /** Said after its address on its progress line. */
  label?: string;
}

/** How many ports a service tries when the one picked was taken by the time it listened. */
const PORT_ATTEMPTS = 3;
/** A service record before its process exists. */
const idle = { pid: () => undefined, running: () => false, stop: async () => {} };

interface Service {
  name: string;
  stage: Stage;
  pid(): number | undefined;
  running(): boolean;
  stop(): Promise<void>;
  /** Its log file, or where its output went. */
  log: string;
  endpoint?: Endpoint;
  reported?: boolean;
}

export interface StackOptions {
  /** The demo directory (.pm-demo/): data, logs, token; reused by the next run. */
  dir: string;
  out: Output;
  /** The collectors to run (default COLLECTORS): a test may pass a subset. */
  collectors?: readonly DemoCollector[];
}

/** The user asked the demo to stop while it was starting. */
export class StopRequested extends Error {
  override name = "StopRequested";
}

/** What `npm run demo` runs and the end-to-end test starts: the whole pipeline as separate processes. */
export class DemoStack {
  readonly dirs: Layout;
  gatewayUrl = "";
  token = "";
  natsUrl = "";
  private readonly services: Service[] = [];
  /** Every service's address, known before the collectors start (component-status probes them). */
  private endpoints: Endpoint[] = [];
  private readonly collectors: readonly DemoCollector[];
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private monitor: NodeJS.Timeout | undefined;

  constructor(private readonly options: StackOptions) {
    this.dirs = layout(options.dir);
    this.collectors = options.collectors ?? COLLECTORS;
  }

  /** Starts every service, one progress line each; throws when the pipeline itself cannot run. */
  start(): Promise<void> {
    this.starting ??= this.startAll();
    return this.starting;
  }

  /** Stops every process it started, collectors first, NATS last; safe to call at any time, and again. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting?.catch(() => {});
      clearInterval(this.monitor);
      for (const stage of [Stage.Collectors, Stage.Simulators, Stage.Pipeline, Stage.Servers])
        await Promise.all(this.services.filter((s) => s.stage === stage).map((s) => s.stop()));
    })();
    return this.stopping;
  }

  /** The process ids of every process it started that is still running. */
  pids(): number[] {
    return this.services.flatMap((s) => (s.running() && s.pid() !== undefined ? [s.pid()!] : []));
  }

  private write(line: string): void {
    this.options.out.write(`${line}\n`);
  }

  private checkNotStopping(): void {
    if (this.stopping) throw new StopRequested("stopped while starting");
  }

  private async startAll(): Promise<void> {
    const { dirs } = this;
    for (const dir of [dirs.root, dirs.logs, dirs.gateway]) ensureDir(dir);
    this.write(`Starting the pipeline; data and logs in ${dirs.root}`);
    // At once, so a second demo on this directory sees this one while it starts.
    this.writeStackFile();
    const ports = new Map<string, number>();
    for (const name of ["nats-monitor", "relay", "gateway", ...this.collectors.map((c) => c.name)])
      ports.set(name, await freePort());

    const [nats, ...replicas] = await Promise.all([
      this.startServer("nats-server", Stage.Servers, () =>
        startNats({ storeDir: dirs.nats, detached: true, args: ["-m", String(ports.get("nats-monitor"))] }),
      ),
      ...REPLICAS.map((replica) =>
        this.startServer(`influxdb-${replica}`, Stage.Servers, () =>
          startInflux({ dataDir: dirs.influx(replica), detached: true }),
        ),
      ),
    ]);
    this.natsUrl = (nats as NatsServer).url;
    const influxUrls = replicas.map((r, i) => `${REPLICAS[i]}=${(r as Influx).url}`).join(",");
    this.checkNotStopping();

    const endpoints = demoEndpoints({
      natsUrl: this.natsUrl,
      natsMonitorPort: ports.get("nats-monitor")!,
      influx: replicas.map((r, i) => ({ name: `influxdb-${REPLICAS[i]}`, url: (r as Influx).url })),
      ports,
      collectors: this.collectors.map((c) => c.name),
    });
    this.endpoints = endpoints;
    for (const service of this.services) service.endpoint ??= endpoints.find((e) => e.name === service.name);

    const { token, tokensFile } = demoToken(dirs.gateway, DEMO_ORG);
    this.token = token;
    const pipeline = { stage: Stage.Pipeline, required: true };
    await Promise.all([
      this.startNode({
        ...pipeline,
        name: "relay",
        bin: "pm-relay",
        port: ports.get("relay")!,
        env: {
          PM_NATS_URL: this.natsUrl,
          PM_INFLUX_URLS: influxUrls,
          PM_POD_NAME: "demo-relay",
          // A write to a replica on a busy laptop may take longer than the 10 s default.
          PM_WRITE_TIMEOUT: "60s",
        },
      }),
      this.startNode({
        ...pipeline,
        name: "gateway",
        bin: "pm-gateway",
        port: ports.get("gateway")!,
        env: {
          PM_INFLUX_URLS: influxUrls,
          PM_HTTP_HOST: "127.0.0.1",
          PM_GATEWAY_TOKENS_FILE: tokensFile,
          PM_GATEWAY_PROBE_INTERVAL: "1s",
          PM_GATEWAY_NOTICE: this.notice(),
          // Its own pm_gateway points, like the relay's pm_relay.
          PM_NATS_URL: this.natsUrl,
          PM_POD_NAME: "demo-gateway",
        },
      }),
    ]);
    this.gatewayUrl = endpoints.find((e) => e.name === "gateway")!.url;
    this.checkNotStopping();

    const simulated = new Map<SimulatorName, StartedSimulator>();
    for (const name of new Set(this.collectors.flatMap((c) => (c.simulated ? [c.simulated] : []))))
      simulated.set(name, await this.startSimulator(name));
    this.checkNotStopping();

    await Promise.all(
      this.collectors.map((collector) => {
        const workDir = ensureDir(dirs.work(collector.name));
        const own = collector.env({ dirs, workDir, demoPid: process.pid, endpoints });
        const simulator = collector.simulated ? simulated.get(collector.simulated)!.env : {};
        return this.startNode({
          stage: Stage.Collectors,
          required: false,
          name: collector.name,
          bin: collector.bin,
          port: ports.get(collector.name)!,
          env: {
            PM_NATS_URL: this.natsUrl,
            PM_SPOOL_DIR: ensureDir(dirs.spool(collector.name)),
            PM_SHUTDOWN_TIMEOUT: "5s",
            ...(collector.simulated ? { PM_CLUSTER: SIMULATED_CLUSTER } : {}),
            ...simulator,
            ...own,
          },
          label: collector.simulated ? `simulated: ${SIMULATORS[collector.simulated].description}` : "",
        });
      }),
    );
    this.checkNotStopping();
    this.writeStackFile();
    this.monitor = setInterval(() => this.reportExits(), 1000);
    this.monitor.unref();
  }

  /** The dashboard's note: which collectors read simulated servers. */
  private notice(): string {
    const simulated = this.collectors.filter((c) => c.simulated).map((c) => c.name);
    const which =
      simulated.length > 0
        ? `${simulated.join(", ")} read simulated servers (cluster=${SIMULATED_CLUSTER}); `
        : "";
    return `Demo on one machine (npm run demo): ${which}the rest is real.`;
  }

  private async startServer<T extends NatsServer | Influx>(
    name: string,
    stage: Stage,
    start: () => Promise<T>,
  ): Promise<T> {
    const elapsed = stopwatch();
    try {
      const server = await start();
      this.services.push({
        name,
        stage,
        pid: () => server.pid,
        running: () => server.running,
        stop: () => server.stop(),
        log: "kept in memory; shown if it fails to start",
      });
      this.write(serviceLine(name, "ready", elapsed(), server.url));
      return server;
    } catch (error) {
      this.write(serviceLine(name, "FAILED", elapsed(), (error as Error).message.split("\n")[0]));
      throw error;
    }
  }

  private async startSimulator(name: SimulatorName): Promise<StartedSimulator> {
    const elapsed = stopwatch();
    const simulator = await SIMULATORS[name].start(ensureDir(this.dirs.work(name)));
    let open = true;
    this.services.push({
      name,
      stage: Stage.Simulators,
      pid: () => undefined,
      running: () => open,
      stop: async () => {
        open = false;
        await simulator.close();
      },
      log: "in the demo process",
    });
    this.write(serviceLine(name, "ready", elapsed(), `simulated: ${SIMULATORS[name].description}`));
    return simulator;
  }

  /**
   * A service of ours from its bin, on its port (another free one if that was taken meanwhile);
   * `required`: the demo cannot go on without it.
   */
  private async startNode(spec: NodeSpec): Promise<void> {
    const { name, port: firstPort, label = "" } = spec;
    const elapsed = stopwatch();
    const log = this.dirs.log(name);
    const endpoint = this.endpoints.find((e) => e.name === name);
    const record: Service = { name, stage: spec.stage, log, endpoint, ...idle };
    this.services.push(record);
    for (let attempt = 1; ; attempt++) {
      const port = attempt === 1 ? firstPort : await freePort();
      const service = new NodeService({
        name,
        bin: spec.bin,
        port,
        logFile: log,
        env: { PM_HTTP_PORT: String(port), PM_LOG_LEVEL: "info", ...spec.env },
      });
      Object.assign(record, {
        pid: () => service.pid,
        running: () => service.running,
        stop: () => service.stop(),
      });
      if (endpoint) Object.assign(endpoint, httpEndpoint(name, endpoint.kind, port));
      const ready = await service.waitReady(READY_BOUND_MS, () => this.stopping !== undefined);
      const detail = [service.url, label].filter(Boolean).join("  ");
      if (ready) return void this.write(serviceLine(name, "ready", elapsed(), detail));
      if (this.stopping) return;
      if (!service.running && attempt < PORT_ATTEMPTS && /EADDRINUSE|already in use/.test(service.logTail()))
        continue;
      const outcome = service.running ? "NOT READY" : "FAILED";
      this.write(serviceLine(name, outcome, elapsed(), `${detail}  log: ${log}`));
      if (spec.required)
        throw new Error(
          `${name} is ${service.running ? "not ready" : `exited (${service.exit})`}:\n${service.logTail()}`,
        );
      return;
    }
  }

  /** A service that stopped by itself is said once; the others go on (the pipeline survives it). */
  private reportExits(): void {
    for (const service of this.services) {
      if (service.reported || service.running()) continue;
      service.reported = true;
      this.write(`${service.name} stopped by itself; the rest keeps running (log: ${service.log})`);
    }
  }

  private writeStackFile(): void {
    writeStackFile(this.dirs.stackFile, {
      dir: this.dirs.root,
      org: DEMO_ORG,
      gateway: this.gatewayUrl,
      nats: this.natsUrl,
      demoPid: process.pid,
      services: this.services.map((s) => ({ name: s.name, pid: s.pid() ?? null, log: s.log, ...s.endpoint })),
    });
  }
}
