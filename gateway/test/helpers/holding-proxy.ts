import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface HoldingProxy {
  url: string;
  /** /query requests received so far. */
  received: number;
  /** /query requests whose caller is still connected and waiting, now and at most so far. */
  inFlight: number;
  maxInFlight: number;
  /** Forwards the held queries, and every later one at once. */
  release(): void;
  close(): Promise<void>;
}

/**
 * A real HTTP proxy in front of influxd that holds every /query until release(): the queries the
 * gateway has running on InfluxDB are then exactly the ones held here, counted until their caller
 * hangs up or gets its answer. /ping goes through at once.
 */
export async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  const held: (() => void)[] = [];
  let released = false;
  const forward = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const upstream = request(`${target}${incoming.url}`, {
      method: incoming.method,
      headers: incoming.headers,
    });
    upstream.on("response", (answer) => {
      outgoing.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on("error", () => outgoing.destroy());
    incoming.pipe(upstream);
  };
  const server = createServer((incoming, outgoing) => {
    if (!incoming.url?.startsWith("/query")) return forward(incoming, outgoing);
    proxy.received++;
    proxy.inFlight++;
    proxy.maxInFlight = Math.max(proxy.maxInFlight, proxy.inFlight);
    outgoing.on("close", () => proxy.inFlight--);
    if (released) forward(incoming, outgoing);
    else held.push(() => forward(incoming, outgoing));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxy: HoldingProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: 0,
    inFlight: 0,
    maxInFlight: 0,
    release() {
      released = true;
      for (const go of held.splice(0)) go();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
