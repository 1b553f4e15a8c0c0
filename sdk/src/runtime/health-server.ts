import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { listenErrorMessage } from "./listen-error.js";

export interface HealthCheck {
  ok: boolean;
  /** Shown in the response body, e.g. why the service is not ready. */
  detail?: Record<string, unknown>;
}

export interface HealthServerOptions {
  port: number;
  host?: string;
  /** The setting that chose `port`, named when the port cannot be used (default PM_HTTP_PORT). */
  portSetting?: string;
  /** `/healthz`: the process is alive and not wedged. */
  live?: () => HealthCheck;
  /** `/readyz`: the service can do its job now. */
  ready: () => HealthCheck;
  /** `/metrics`: the service's own metrics as line protocol, for a quick look with curl. */
  metrics?: () => string;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/** A tiny node:http server for probes; a framework would cost more memory than it saves code. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: unknown, type = "application/json") => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    if (req.method !== "GET" && req.method !== "HEAD")
      return send(405, { error: { code: "method_not_allowed", message: "use GET" } });
    if (path === "/healthz" || path === "/readyz") {
      const check = path === "/healthz" ? (options.live?.() ?? { ok: true }) : options.ready();
      return send(check.ok ? 200 : 503, { status: check.ok ? "ok" : "unavailable", ...check.detail });
    }
    if (path === "/metrics" && options.metrics)
      return send(200, options.metrics(), "text/plain; charset=utf-8");
    send(404, {
      error: { code: "not_found", message: `no route ${path}; try /healthz, /readyz or /metrics` },
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `health server: ${listenErrorMessage(error, { port: options.port, host: options.host, setting: options.portSetting })}`,
        ),
      ),
    );
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
