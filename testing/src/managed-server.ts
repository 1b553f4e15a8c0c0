import { setTimeout as sleep } from "node:timers/promises";
import { removeDir } from "./cleanup.js";
import { PortInUseError, type ServerProcess } from "./server-process.js";

/** How long start() keeps trying by default when the server's port is still (or again) taken. */
const PORT_WAIT_MS = 10_000;

export interface RestartOptions {
  /** How long to wait for the port when another process holds it (default 10 s). */
  portWaitMs?: number;
}

/** Start, stop and crash a test server; shared by nats-server and influxd. */
export interface ServerLifecycle {
  /** The server process is alive (also while paused). */
  readonly running: boolean;
  /** Paused with pause() and not resumed yet. */
  readonly paused: boolean;
  /** Process id while running. */
  readonly pid: number | undefined;
  /** SIGTERM and wait for the exit: a clean shutdown, data kept. Does nothing when stopped. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit: a crash, data as the disk has it. */
  kill(): Promise<void>;
  /**
   * Starts again on the same port(s) with the same data, and waits until it is ready. While another
   * process holds the port it retries, then throws a PortInUseError.
   */
  start(options?: RestartOptions): Promise<void>;
  /** stop() then start(). */
  restart(options?: RestartOptions): Promise<void>;
  /** SIGSTOP, once it took effect: connections stay open but nothing is answered, like a hung server. */
  pause(): Promise<void>;
  /** SIGCONT after pause(), once the server runs again. */
  resume(): Promise<void>;
  /** Kills the server and removes its directories; safe to call again. Its last act on this server. */
  close(): Promise<void>;
  /** The server's first and last lines of output, for a test's own error messages. */
  output(): string;
}

export function manage(server: ServerProcess, ports: number[], dirs: string[]): ServerLifecycle {
  let closing: Promise<void> | undefined;

  async function startOnSamePorts({ portWaitMs = PORT_WAIT_MS }: RestartOptions = {}): Promise<void> {
    if (closing) throw new Error(`${server.name} was closed; start a new one instead`);
    const deadline = Date.now() + portWaitMs;
    for (;;) {
      try {
        return await server.start();
      } catch (error) {
        if (!(error instanceof PortInUseError)) throw error;
        // Another process may hold the port for a moment (a client's outgoing connection, a
        // socket not yet released); the server has to come back on the same one, so wait for it.
        if (Date.now() > deadline)
          throw new PortInUseError(
            `${server.name} could not listen on ${ports.length > 1 ? "ports" : "port"} ${ports.join(", ")} ` +
              `again within ${portWaitMs} ms: another process holds it.\n${error.message}`,
          );
        await sleep(100);
      }
    }
  }

  return {
    get running() {
      return server.running;
    },
    get paused() {
      return server.paused;
    },
    get pid() {
      return server.pid;
    },
    stop: () => server.stop(),
    kill: () => server.kill(),
    start: startOnSamePorts,
    async restart(options) {
      await server.stop();
      await startOnSamePorts(options);
    },
    pause: () => server.pause(),
    resume: () => server.resume(),
    close() {
      closing ??= (async () => {
        await server.kill();
        for (const dir of dirs) removeDir(dir);
      })();
      return closing;
    },
    output: () => server.tail(),
  };
}
