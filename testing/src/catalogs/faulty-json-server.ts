import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";

/**
 * What a test can make a simulated catalog do instead of answering: a status (429 with Retry-After in
 * seconds or as an HTTP date, 500, 503, ...; the body is the API's own error shape unless given), a
 * 200 whose body is cut off mid-JSON, no answer at all (until the server closes), or a reset connection.
 */
export type ServerFault =
  | { status: number; retryAfter?: number | string; body?: string }
  | "malformed"
  | "hang"
  | "reset";

/** Which requests get a fault; every option given must hold (default: the next request). */
export interface ServerFaultOptions {
  /** Only requests whose path ends with this, e.g. "/entities/by-query". */
  path?: string;
  /** Only requests this accepts, e.g. `(r) => r.query.start === "10"`. */
  when?: (request: RecordedRequest) => boolean;
  /** Matching requests that pass untouched before the fault applies (default 0). */
  skip?: number;
  /** Matching requests that get the fault (default 1; Infinity for all from then on). */
  times?: number;
}

/** A request as the server saw it, for tests to assert on (the last 10,000 are kept). */
export interface RecordedRequest {
  method: string;
  path: string;
  /** The query parameters; the last value of a repeated one. */
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** When it arrived, ms since the epoch. */
  at: number;
  /** The fault it got, if any. */
  fault?: ServerFault;
}

/** What a simulated API answers: a status, a JSON body (none for 304), extra headers. */
export interface JsonAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Reply {
  status: number;
  text: string;
  headers?: Record<string, string> | undefined;
}

interface Rule {
  fault: ServerFault;
  path: string;
  when: ((request: RecordedRequest) => boolean) | undefined;
  skip: number;
  times: number;
}

const MAX_RECORDED = 10_000;
const CUT_OFF_JSON = '{"result": {"count": 3, "items": [{"id": "cut-off';

/**
 * A JSON HTTP server on 127.0.0.1 and a free port, with faults a test can inject and a log of the
 * requests it got: the base of the simulated catalogs, which answer in `answer`.
 */
export abstract class FaultyJsonServer {
  readonly requests: RecordedRequest[] = [];
  private readonly rules: Rule[] = [];
  private readonly hooks: ((request: RecordedRequest) => void)[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private port = 0;

  protected constructor() {
    this.server = createServer((request, response) => this.dispatch(request, response));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  /** `http://127.0.0.1:<port>`. */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The API's base URL, for clients (the origin unless the API lives under a path). */
  get url(): string {
    return this.origin;
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

  /** Matching requests get `fault` instead of their answer; faults apply in the order given. */
  fail(fault: ServerFault, options: ServerFaultOptions = {}): this {
    const { path = "", when, skip = 0, times = 1 } = options;
    this.rules.push({ fault, path, when, skip, times });
    return this;
  }

  /** Removes every fault not used up yet. */
  heal(): this {
    this.rules.length = 0;
    return this;
  }

  /** Runs `hook` on each request as it arrives, before it is answered (to change the data mid-paging). */
  onRequest(hook: (request: RecordedRequest) => void): this {
    this.hooks.push(hook);
    return this;
  }

  /** Requests whose path ends with `path` and, when given, that have these query parameters. */
  requestsTo(path: string, query: Record<string, string> = {}): RecordedRequest[] {
    return this.requests.filter(
      (request) =>
        request.path.endsWith(path) &&
        Object.entries(query).every(([name, value]) => request.query[name] === value),
    );
  }

  /** Stops listening and cuts open connections (a hung request included). */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Answers a request that got no fault; `query` keeps repeated parameters. */
  protected abstract answer(request: RecordedRequest, query: URLSearchParams): JsonAnswer;

  /** The API's error body for an injected status without a body of its own. */
  protected faultBody(status: number, _request: RecordedRequest): unknown {
    return { message: `injected ${status}` };
  }

  private dispatch(incoming: IncomingMessage, response: ServerResponse): void {
    // The body is not read (the APIs are GET only); drain it so the connection stays usable.
    incoming.resume();
    const url = new URL(incoming.url ?? "/", "http://127.0.0.1");
    const request: RecordedRequest = {
      method: incoming.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: incoming.headers,
      at: Date.now(),
    };
    for (const hook of this.hooks) hook(request);
    const fault = this.takeFault(request);
    if (fault !== undefined) request.fault = fault;
    if (this.requests.length >= MAX_RECORDED) this.requests.shift();
    this.requests.push(request);
    if (fault === "hang") return;
    if (fault === "reset") {
      response.socket?.destroy();
      return;
    }
    const reply =
      fault === undefined ? this.reply(request, url.searchParams) : this.faultReply(fault, request);
    const type = reply.text === "" ? {} : { "content-type": "application/json; charset=utf-8" };
    response.writeHead(reply.status, {
      ...type,
      "content-length": Buffer.byteLength(reply.text),
      ...reply.headers,
    });
    response.end(reply.text);
  }

  private reply(request: RecordedRequest, query: URLSearchParams): Reply {
    let answer: JsonAnswer;
    try {
      answer = this.answer(request, query);
    } catch (error) {
      answer = { status: 500, body: { message: `test server error: ${(error as Error).message}` } };
    }
    const text = answer.body === undefined ? "" : JSON.stringify(answer.body);
    return { status: answer.status, text, headers: answer.headers };
  }

  private faultReply(fault: Exclude<ServerFault, "hang" | "reset">, request: RecordedRequest): Reply {
    if (fault === "malformed") return { status: 200, text: CUT_OFF_JSON };
    const text = fault.body ?? JSON.stringify(this.faultBody(fault.status, request));
    const headers: Record<string, string> = {};
    if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
    return { status: fault.status, text, headers };
  }

  /** The fault of the first rule that matches, if it is due; the rule counts the request. */
  private takeFault(request: RecordedRequest): ServerFault | undefined {
    const rule = this.rules.find(
      (rule) => request.path.endsWith(rule.path) && (rule.when === undefined || rule.when(request)),
    );
    if (rule === undefined) return undefined;
    if (rule.skip > 0) {
      rule.skip--;
      return undefined;
    }
    if (--rule.times <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
    return rule.fault;
  }
}
