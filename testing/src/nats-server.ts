import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeDir, trackDir } from "./cleanup.js";
import { findBinary } from "./find-binary.js";
import { freePort } from "./free-port.js";
import { manage, type ServerLifecycle } from "./managed-server.js";
import { PortInUseError, ServerProcess } from "./server-process.js";

/** How many fresh ports a first start tries when the one picked was taken in the meantime. */
const PORT_ATTEMPTS = 3;

export interface NatsServer extends ServerLifecycle {
  /** `nats://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** JetStream's store directory (also created when JetStream is off). */
  storeDir: string;
  /** The server_name it announces, unique to this instance. */
  name: string;
}

export interface StartNatsOptions {
  /** JetStream on (default) with its store in `storeDir`. */
  jetstream?: boolean;
  /** Extra nats-server command-line arguments (see `nats-server --help`). */
  args?: string[];
  /** Bound on the wait for readiness (default 20 s). */
  startTimeoutMs?: number;
  /**
   * JetStream's store in this directory (created if missing), kept by close(), so a later start
   * finds the streams again (the demo). Default: a temporary directory that close() removes.
   */
  storeDir?: string;
  /** In a process group of its own, so the caller decides when it stops (the demo's Ctrl-C). */
  detached?: boolean;
}

/** Ready when the port answers with an INFO naming this instance, not some other server on the port. */
function announces(port: number, name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    let received = "";
    const done = (ready: boolean) => {
      socket.destroy();
      resolve(ready);
    };
    socket.on("data", (data) => {
      received += data.toString();
      if (received.includes("\r\n")) done(received.startsWith("INFO ") && received.includes(`"${name}"`));
    });
    socket.once("error", () => done(false));
    socket.once("close", () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

/** Flags the helper sets itself: the port and store must stay the same across restarts, the name proves readiness. */
const OWN_FLAGS = [
  "-a",
  "--addr",
  "--net",
  "-p",
  "--port",
  "-sd",
  "--store_dir",
  "-n",
  "--name",
  "--server_name",
];

function validate(options: StartNatsOptions): void {
  if (
    options.args !== undefined &&
    !(Array.isArray(options.args) && options.args.every((a) => typeof a === "string"))
  )
    throw new TypeError(`startNats: args must be an array of strings, got ${JSON.stringify(options.args)}`);
  const own = options.args?.find((arg) => OWN_FLAGS.includes(arg.split("=")[0]!));
  if (own !== undefined)
    throw new TypeError(
      `startNats: args may not set ${JSON.stringify(own)}; the helper sets address, port, store and name`,
    );
  if (options.storeDir !== undefined && (typeof options.storeDir !== "string" || options.storeDir === ""))
    throw new TypeError(
      `startNats: storeDir must be a directory path, got ${JSON.stringify(options.storeDir)}`,
    );
  if (options.jetstream !== undefined && typeof options.jetstream !== "boolean")
    throw new TypeError(
      `startNats: jetstream must be true or false, got ${JSON.stringify(options.jetstream)}`,
    );
}

/** A real nats-server (JetStream on by default) on a free port with a temporary store directory. */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsServer> {
  validate(options);
  const binary = findBinary("nats-server");
  const kept = options.storeDir !== undefined;
  const storeDir = kept ? options.storeDir! : mkdtempSync(join(tmpdir(), "pm-test-nats-"));
  if (kept) mkdirSync(storeDir, { recursive: true });
  else trackDir(storeDir);
  const removable = kept ? [] : [storeDir];
  const name = `pm-test-${randomBytes(6).toString("hex")}`;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = [
      ...["-a", "127.0.0.1", "-p", String(port), "--name", name],
      ...(options.jetstream === false ? [] : ["-js", "-sd", storeDir]),
      ...(options.args ?? []),
    ];
    const server = new ServerProcess("nats-server", binary, args, {
      ready: () => announces(port, name),
      ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
      ...(options.detached ? { detached: true } : {}),
    });
    try {
      await server.start();
    } catch (error) {
      if (error instanceof PortInUseError && attempt < PORT_ATTEMPTS) continue;
      for (const dir of removable) removeDir(dir);
      throw error;
    }
    // Assigned onto the lifecycle object, whose getters (running, paused, pid) must stay live.
    return Object.assign(manage(server, [port], removable), {
      url: `nats://127.0.0.1:${port}`,
      port,
      storeDir,
      name,
    });
  }
}
