import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeDir, trackDir } from "./cleanup.js";
import { findBinary } from "./find-binary.js";
import { freePort } from "./free-port.js";
import { manage, type ServerLifecycle } from "./managed-server.js";
import { PortInUseError, ServerProcess } from "./server-process.js";

export interface Prometheus extends ServerLifecycle {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  dataDir: string;
}

const PORT_ATTEMPTS = 5;

/** Ready when /api/v1/status/flags shows this instance's own data directory. */
async function servesDataDir(url: string, dataDir: string): Promise<boolean> {
  const response = await fetch(`${url}/api/v1/status/flags`, { signal: AbortSignal.timeout(1000) });
  if (response.status !== 200) {
    await response.body?.cancel();
    return false;
  }
  const body = (await response.json()) as { data?: Record<string, unknown> };
  return body.data?.["storage.tsdb.path"] === dataDir;
}

/**
 * A real Prometheus (Debian's `prometheus`) on a free port with a temporary config and data directory;
 * it scrapes only itself. For tests that read its own /metrics.
 */
export async function startPrometheus(options: { startTimeoutMs?: number } = {}): Promise<Prometheus> {
  const binary = findBinary("prometheus");
  const dataDir = mkdtempSync(join(tmpdir(), "pm-test-prometheus-"));
  trackDir(dataDir);
  const configPath = join(dataDir, "prometheus.yml");
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    writeFileSync(
      configPath,
      `global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ["127.0.0.1:${port}"]\n`,
    );
    const server = new ServerProcess(
      "prometheus",
      binary,
      [
        `--config.file=${configPath}`,
        `--storage.tsdb.path=${dataDir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      { ready: () => servesDataDir(url, dataDir), startTimeoutMs: options.startTimeoutMs ?? 60_000 },
    );
    try {
      await server.start();
    } catch (error) {
      if (error instanceof PortInUseError && attempt < PORT_ATTEMPTS) continue;
      removeDir(dataDir);
      throw error;
    }
    return Object.assign(manage(server, [port], [dataDir]), { url, port, dataDir });
  }
}
