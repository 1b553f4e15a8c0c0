import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A request as a simulated API saw it: method, path, query and headers (the last 10,000 kept). */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
}

const MAX_REQUESTS = 10_000;

/** An HTTP server on 127.0.0.1 and a free port that records its requests and can be closed at once. */
export class JsonServer {
  readonly requests: SeenRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  static async start(handle: (request: SeenRequest, res: ServerResponse) => void): Promise<JsonServer> {
    let self: JsonServer | undefined;
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const seen = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
      };
      if (self !== undefined) {
        self.requests.push(seen);
        if (self.requests.length > MAX_REQUESTS) self.requests.shift();
      }
      req.resume();
      try {
        handle(seen, res);
      } catch (error) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { name: "Error", message: String(error) } }));
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    self = new JsonServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  /** Requests whose path ends with `suffix`. */
  requestsTo(suffix: string): SeenRequest[] {
    return this.requests.filter((request) => request.path.endsWith(suffix));
  }

  /** Closes the server and every open connection (a hung request included). */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
