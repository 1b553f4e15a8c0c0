import { request as httpRequest, type IncomingMessage } from "node:http";

/**
 * Sends a GET and resolves with the status once the response headers arrive; the body is discarded.
 *
 * node:http rather than `fetch`: the health server loads node:http anyway, while `fetch` brings undici
 * and its WebAssembly HTTP parser, about 3.5 MB more resident memory for an idle collector. node:https
 * (and TLS) is loaded only when a target needs it.
 */
export async function httpGet(url: string, signal: AbortSignal): Promise<number> {
  const target = new URL(url);
  const request =
    target.protocol === "https:"
      ? (await import("node:https")).request
      : target.protocol === "http:"
        ? httpRequest
        : undefined;
  if (request === undefined) throw new Error(`unsupported protocol ${target.protocol}`);
  return new Promise<number>((resolve, reject) => {
    const req = request(target, { method: "GET", signal }, (response: IncomingMessage) => {
      response.resume();
      response.on("error", () => {});
      resolve(response.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}
