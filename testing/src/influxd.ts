import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeDir, trackDir } from "./cleanup.js";
import { findBinary } from "./find-binary.js";
import { freePort } from "./free-port.js";
import {
  type InfluxClient,
  type InfluxCredentials,
  identifier,
  influxClient,
  stringLiteral,
} from "./influx-client.js";
import { influxdConfig } from "./influxd-config.js";
import { manage, type ServerLifecycle } from "./managed-server.js";
import { PortInUseError, ServerProcess } from "./server-process.js";

/** How many fresh ports a first start tries when one picked was taken in the meantime. */
const PORT_ATTEMPTS = 3;
const DEFAULT_ADMIN: InfluxCredentials = { username: "admin", password: "admin-password" };

export interface Influx extends ServerLifecycle, InfluxClient {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The HTTP port. */
  port: number;
  /** The RPC (backup/restore) port, also free and private to this instance. */
  rpcPort: number;
  /** Holds influxdb.conf, meta/, data/ and wal/. */
  dataDir: string;
  /** The admin user, when started with auth. */
  admin?: InfluxCredentials;
  username?: string;
  password?: string;
}

export interface StartInfluxOptions {
  /** Turn auth on with this admin user (`true`: admin / admin-password). */
  auth?: InfluxCredentials | boolean;
  /** Bound on the wait for readiness (default 20 s). */
  startTimeoutMs?: number;
  /**
   * meta/, data/ and wal/ in this directory (created if missing), kept by close(), so a later start
   * finds the points again (the demo). Default: a temporary directory that close() removes.
   */
  dataDir?: string;
  /** In a process group of its own, so the caller decides when it stops (the demo's Ctrl-C). */
  detached?: boolean;
}

function adminFrom(auth: StartInfluxOptions["auth"]): InfluxCredentials | undefined {
  if (auth === undefined || auth === false) return undefined;
  if (auth === true) return DEFAULT_ADMIN;
  const valid =
    typeof auth === "object" &&
    auth !== null &&
    typeof auth.username === "string" &&
    auth.username !== "" &&
    typeof auth.password === "string" &&
    auth.password !== "";
  if (!valid)
    throw new TypeError(
      "startInflux: auth must be true, false or { username, password } with non-empty strings, got " +
        JSON.stringify(auth, (key, value) => (key === "password" ? "<hidden>" : value)),
    );
  return { username: auth.username, password: auth.password };
}

/** Ready when /debug/vars (served without auth) shows this process's own config file. */
async function servesConfig(url: string, configPath: string): Promise<boolean> {
  const response = await fetch(`${url}/debug/vars`, { signal: AbortSignal.timeout(1000) });
  if (response.status !== 200) {
    await response.body?.cancel();
    return false;
  }
  const vars = (await response.json()) as { cmdline?: unknown };
  return Array.isArray(vars.cmdline) && vars.cmdline.includes(configPath);
}

/** Without the INFLUXDB_* variables, which would override the test config. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("INFLUXDB_")));
}

/** A real influxd 1.x with its own directories, a free port for every listener, and optional auth. */
export async function startInflux(options: StartInfluxOptions = {}): Promise<Influx> {
  const admin = adminFrom(options.auth);
  const binary = findBinary("influxd");
  if (options.dataDir !== undefined && (typeof options.dataDir !== "string" || options.dataDir === ""))
    throw new TypeError(
      `startInflux: dataDir must be a directory path, got ${JSON.stringify(options.dataDir)}`,
    );
  const kept = options.dataDir !== undefined;
  const dataDir = kept ? options.dataDir! : mkdtempSync(join(tmpdir(), "pm-test-influx-"));
  if (!kept) trackDir(dataDir);
  const removable = kept ? [] : [dataDir];
  for (const sub of ["meta", "data", "wal"]) mkdirSync(join(dataDir, sub), { recursive: true });
  const configPath = join(dataDir, "influxdb.conf");
  for (let attempt = 1; ; attempt++) {
    const [rpcPort, httpPort] = [await freePort(), await freePort()];
    writeFileSync(configPath, influxdConfig({ dir: dataDir, rpcPort, httpPort, auth: admin !== undefined }));
    const url = `http://127.0.0.1:${httpPort}`;
    const server = new ServerProcess("influxd", binary, ["run", "-config", configPath], {
      ready: () => servesConfig(url, configPath),
      env: cleanEnv(),
      ...(options.detached ? { detached: true } : {}),
      ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
    });
    try {
      await server.start();
    } catch (error) {
      if (error instanceof PortInUseError && attempt < PORT_ATTEMPTS) continue;
      for (const dir of removable) removeDir(dir);
      throw error;
    }
    const client = influxClient(url, admin);
    const influx: Influx = Object.assign(manage(server, [httpPort, rpcPort], removable), client, {
      url,
      port: httpPort,
      rpcPort,
      dataDir,
      ...(admin ? { admin, username: admin.username, password: admin.password } : {}),
    });
    if (admin) {
      try {
        // With auth on and no user yet, influxd lets anyone create the first admin.
        await client.query(
          `CREATE USER ${identifier(admin.username)} WITH PASSWORD ${stringLiteral(admin.password)} WITH ALL PRIVILEGES`,
          { auth: null },
        );
      } catch (error) {
        await influx.close();
        throw error;
      }
    }
    return influx;
  }
}
