import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** An error the caller may see: status, a stable code and a message that names the bad value. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = "bad_request") => new HttpError(400, code, message);
export const unauthorized = (message: string, code = "unauthorized") =>
  new HttpError(401, code, message, { "www-authenticate": 'Bearer realm="platform-metrics"' });
export const forbidden = (message: string) => new HttpError(403, "forbidden", message);
export const notFound = (message: string) => new HttpError(404, "not_found", message);

export function sendError(reply: FastifyReply, error: HttpError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  reply.request.errorCode = error.code;
  return reply
    .code(error.statusCode)
    .type("application/json; charset=utf-8")
    .send({ error: { code: error.code, message: error.message } });
}

// Fastify's own 4xx errors (bad JSON, body too large, ...) carry safe messages; anything else is
// internal and answered with a generic message so no InfluxDB detail or secret reaches the caller.
function toHttpError(error: FastifyError | HttpError): HttpError {
  if (error instanceof HttpError) return error;
  const status = error.statusCode ?? 500;
  if (status === 413) return new HttpError(413, "payload_too_large", "the request body is too large");
  if (status === 415) return badRequest("expected Content-Type: application/json", "unsupported_media_type");
  if (status === 408) return new HttpError(408, "request_timeout", "the request took too long to arrive");
  if (status >= 400 && status < 500) return badRequest(error.message);
  return new HttpError(500, "internal", "internal error; the gateway log has the details");
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    const httpError = toHttpError(error);
    if (httpError.statusCode >= 500) request.log.error({ err: error }, "request failed");
    return sendError(reply, httpError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, notFound(`no route ${request.method} ${request.url.split("?")[0]!.slice(0, 200)}`)),
  );
}

/** Fastify's own errors before routing (a URL that is not valid percent-encoding, ...), as ours. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const message =
    error.code === "FST_ERR_BAD_URL"
      ? "the URL is not valid: expected percent-encoded UTF-8"
      : "the request could not be routed";
  sendError(reply, badRequest(message));
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, "request_timeout", "the request took too long to arrive"],
  HPE_HEADER_OVERFLOW: [431, "headers_too_large", "the request headers are too large"],
};

/**
 * A request Node's HTTP parser refused (malformed, headers too large, too slow): answered on the
 * socket in the same error format, since no request object exists yet. Replaces fastify's default,
 * whose bodies are in another format.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, code, message] = CLIENT_ERRORS[error.code ?? ""] ?? [
    400,
    "bad_request",
    "the request is not valid HTTP/1.1",
  ];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
