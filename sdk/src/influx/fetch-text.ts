import type { Dispatcher } from "undici";

export interface TextResponse {
  statusCode: number;
  text: string;
}

/**
 * One request through undici's dispatch API, with the whole body as text. `pool.request()` would
 * wrap the answer in a Readable stream, parse every header into an object and run callbacks in an
 * AsyncResource scope; for a small JSON answer read at once that costs more than the query's own
 * handling here, so this handler only collects the chunks.
 */
export function fetchText(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  /** Aborts the request (and closes its connection, which stops the query in influxd). */
  signal?: AbortSignal,
): Promise<TextResponse> {
  return new Promise((resolve, reject) => {
    let statusCode = 0;
    const chunks: Buffer[] = [];
    let onAbort: (() => void) | undefined;
    const settle = () => {
      if (onAbort) signal!.removeEventListener("abort", onAbort);
    };
    dispatcher.dispatch(options, {
      onConnect(abort) {
        if (!signal) return;
        if (signal.aborted) return abort(signal.reason);
        onAbort = () => abort(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
      },
      onHeaders(status) {
        statusCode = status;
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        settle();
        const text =
          chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8");
        resolve({ statusCode, text });
      },
      onError(error) {
        settle();
        reject(error);
      },
    });
  });
}
