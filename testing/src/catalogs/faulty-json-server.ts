import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * What a test can make a catalog server do instead of answering: a status (429 with Retry-After,
 * 500, 503, ...), a 200 whose body is cut off mid-JSON, no answer at all, or a reset connection.
 */
export type ServerFault =
  | { status: number; retryAfter?: number | string; body?: string }
  | "malformed"
  | "hang"
  | "reset";

export interface ServerFaultOptions {
  /** How many matching requests get the fault (default 1; Infinity for all of them). */
  times?: number;
  /** Which requests: by path and query (default every request). */
  when?: (request: ServerFaultRequest) => boolean;
}

export interface ServerFaultRequest {
  path: string;
  query: URLSearchParams;
}

/** A request as the server saw it, for tests to assert on. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** When it arrived, ms since the epoch. */
  at: number;
  /** The fault it got, if any. */
  fault?: ServerFault;
}

interface Rule {
  fault: ServerFault;
  left: number;
  when?: (request: ServerFaultRequest) => boolean;
}

const MAX_RECORDED = 10_000;

/**
 * A small JSON HTTP server on 127.0.0.1 and a free port, with faults a test can inject and a log of
 * the requests it got: the base of the simulated catalogs.
 */
export abstract class FaultyJsonServer {
  readonly requests: RecordedRequest[] = [];
  private readonly rules: Rule[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  port = 0;

  protected constructor() {
    this.server = createServer((request, response) => this.dispatch(request, response));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  protected async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = this.server.address();
    if (typeof address !== "object" || address === null) throw new Error("catalog server: no address");
    this.port = address.port;
  }

  /** The next `times` requests that match `when` get `fault` instead of their answer. */
  fail(fault: ServerFault, options: ServerFaultOptions = {}): this {
    this.rules.push({ fault, left: options.times ?? 1, when: options.when });
    return this;
  }

  /** Removes every fault not used up yet. */
  heal(): this {
    this.rules.length = 0;
    return this;
  }

  /** Requests to a path (and, optionally, with a query parameter's value). */
  requestsTo(path: string, parameter?: string, value?: string): RecordedRequest[] {
    return this.requests.filter(
      (request) => request.path === path && (parameter === undefined || request.query[parameter] === value),
    );
  }

  /** Stops listening and cuts open connections (a hung request included). */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Answers one request that got no fault. */
  protected abstract answer(
    method: string,
    path: string,
    query: URLSearchParams,
    headers: IncomingMessage["headers"],
  ): { status: number; body: unknown; headers?: Record<string, string> };

  private dispatch(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const fault = this.takeFault({ path: url.pathname, query: url.searchParams });
    if (this.requests.length >= MAX_RECORDED) this.requests.shift();
    this.requests.push({
      method: request.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      at: Date.now(),
      fault,
    });
    // The body is not read (GET only); drain it so the connection stays usable.
    request.resume();
    if (fault !== undefined) {
      this.sendFault(fault, response, request.socket);
      return;
    }
    let answer: ReturnType<FaultyJsonServer["answer"]>;
    try {
      answer = this.answer(request.method ?? "GET", url.pathname, url.searchParams, request.headers);
    } catch (error) {
      answer = { status: 500, body: { message: `test server error: ${(error as Error).message}` } };
    }
    const text = JSON.stringify(answer.body);
    response.writeHead(answer.status, {
      "content-type": "application/json;charset=utf-8",
      "content-length": Buffer.byteLength(text),
      ...answer.headers,
    });
    response.end(text);
  }

  private takeFault(request: ServerFaultRequest): ServerFault | undefined {
    for (const rule of this.rules) {
      if (rule.left <= 0 || (rule.when !== undefined && !rule.when(request))) continue;
      rule.left--;
      return rule.fault;
    }
    return undefined;
  }

  private sendFault(fault: ServerFault, response: ServerResponse, socket: Socket): void {
    if (fault === "hang") return;
    if (fault === "reset") {
      socket.destroy();
      return;
    }
    if (fault === "malformed") {
      const text = '{"success": true, "result": {"count": 3, "results": [{"id": "cut-off';
      response.writeHead(200, { "content-type": "application/json", "content-length": text.length });
      response.end(text);
      return;
    }
    const text = fault.body ?? JSON.stringify({ message: `injected ${fault.status}` });
    const headers: Record<string, string | number> = {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
    };
    if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
    response.writeHead(fault.status, headers);
    response.end(text);
  }
}
