import type { ServerResponse } from "node:http";

/** A way for a simulated catalog to misbehave, for one request or several. */
export type HttpFault =
  /** Answer with this status (429 and 503 with Retry-After when given) and a JSON error body. */
  | { kind: "status"; status: number; retryAfter?: string }
  /** 200 with a body that is not JSON. */
  | { kind: "malformed" }
  /** Accept the request and never answer (until the server closes). */
  | { kind: "hang" }
  /** Close the connection without an answer. */
  | { kind: "reset" };

export interface FaultOptions {
  /** Only requests whose path ends with this (e.g. "/entities/by-query"); default every request. */
  path?: string;
  /** Requests that match the path but pass untouched before the fault applies (default 0). */
  skip?: number;
  /** Matching requests that get the fault (default 1; Infinity for all from then on). */
  times?: number;
}

interface Armed extends Required<FaultOptions> {
  fault: HttpFault;
}

/** Faults queued by a test, taken by the requests they match, in order. */
export class FaultQueue {
  private readonly armed: Armed[] = [];

  add(fault: HttpFault, options: FaultOptions = {}): void {
    this.armed.push({ fault, path: options.path ?? "", skip: options.skip ?? 0, times: options.times ?? 1 });
  }

  clear(): void {
    this.armed.length = 0;
  }

  /** The fault for a request to `path`, if one is due; counts the request against the queue. */
  take(path: string): HttpFault | undefined {
    for (const entry of this.armed) {
      if (!path.endsWith(entry.path)) continue;
      if (entry.skip > 0) {
        entry.skip--;
        return undefined;
      }
      entry.times--;
      if (entry.times <= 0) this.armed.splice(this.armed.indexOf(entry), 1);
      return entry.fault;
    }
    return undefined;
  }
}

/** Answers with a fault; `errorBody` is the API's own error shape for a status. */
export function answerWithFault(
  res: ServerResponse,
  fault: HttpFault,
  errorBody: (status: number) => unknown,
): void {
  switch (fault.kind) {
    case "status": {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
      res.writeHead(fault.status, headers).end(JSON.stringify(errorBody(fault.status)));
      return;
    }
    case "malformed":
      res.writeHead(200, { "content-type": "application/json" }).end('{"items": [ {"kind": "Component", ');
      return;
    case "hang":
      return;
    case "reset":
      res.socket?.destroy();
      return;
  }
}
