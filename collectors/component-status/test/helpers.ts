import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectOnce, type Point } from "@platform-metrics/sdk";
import collector from "../src/collector.js";

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export interface TestServer {
  url: string;
  port: number;
  /** Requests received, in order. */
  requests: IncomingMessage[];
  close(): Promise<void>;
}

/** A local HTTP (or, with a certificate, HTTPS) server on a free port; close() also ends hanging connections. */
export async function startServer(
  handler: Handler,
  tls?: { cert: string; key: string },
): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    requests.push(request);
    handler(request, response);
  };
  const server: Server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener);
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers every request with this status, content type and body. */
export const answer =
  (status: number, contentType: string | undefined, body: string | Buffer): Handler =>
  (_request, response) => {
    response.writeHead(status, contentType === undefined ? {} : { "content-type": contentType });
    response.end(body);
  };

export interface Certificate {
  cert: string;
  key: string;
  /** Path of the certificate, to trust as a CA (it is self-signed). */
  certPath: string;
  dispose(): void;
}

/** A self-signed certificate for 127.0.0.1 and localhost, valid for `days` days, made with openssl. */
export function selfSignedCertificate(days: number): Certificate {
  const dir = mkdtempSync(join(tmpdir(), "pm-test-cs-cert-"));
  const [keyPath, certPath] = [join(dir, "key.pem"), join(dir, "cert.pem")];
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyPath,
      "-out",
      certPath,
      "-days",
      String(days),
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ],
    { stdio: "ignore" },
  );
  return {
    cert: readFileSync(certPath, "utf8"),
    key: readFileSync(keyPath, "utf8"),
    certPath,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * One round over these targets (objects as in PM_CONFIG). The default timeout is long, so that a
 * target meant to answer is not failed by a busy machine; tests of timeouts set their own.
 */
export function round(targets: unknown[], settings: Record<string, unknown> = {}) {
  return collectOnce(collector, { targets, timeout: "60s", ...settings } as never);
}

export function statusOf(points: Point[], target: string): Record<string, unknown> {
  const matching = points.filter((p) => p.measurement === "component_status" && p.tags.target === target);
  if (matching.length !== 1)
    throw new Error(`expected one component_status point of ${target}, found ${matching.length}`);
  return plain(matching[0]!);
}

export function samplesOf(points: Point[], target: string): Point[] {
  return points.filter((p) => p.measurement === "component_scrape" && p.tags.target === target);
}

/** A point's fields as plain values (integers as numbers). */
export function plain(point: Point): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(point.fields).map(([key, field]) => [
      key,
      typeof field.value === "bigint" ? Number(field.value) : field.value,
    ]),
  );
}
