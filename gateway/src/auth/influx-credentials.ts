import type { FastifyRequest } from "fastify";
import { badRequest, unauthorized } from "../errors.js";

// What InfluxDB 1.x clients send as credentials, with the gateway token in place of a password:
// - `Authorization: Basic base64(user:token)`: Grafana's User/Password fields and `influx -username
//   x -password <token>`; the user name is ignored (the token says who calls).
// - `Authorization: Token <token>`: Grafana and clients set up for InfluxDB 2.x's v1 API.
// - `Authorization: Bearer <token>`: the gateway's own form, and a JWT from the identity provider.
// - `p=<token>` in the URL (`u` ignored): InfluxDB 1.x's query-string credentials, which older
//   clients use. A URL lands in proxy logs, so the header forms are the ones to prefer.

const SCHEME = /^(Basic|Token|Bearer)[ ]+([^\s]{1,8192})[ ]*$/i;

function fromBasic(encoded: string): string {
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0)
    throw unauthorized(
      "basic auth needs user:token, with the gateway token as the password",
      "invalid_token",
    );
  return decoded.slice(colon + 1);
}

/** The token of an InfluxDB-style request; never logged. */
export function influxCredential(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header) {
    const match = SCHEME.exec(header);
    if (!match)
      throw unauthorized(
        "expected Authorization: Token <token>, Bearer <token> or Basic with the token as password",
        "invalid_token",
      );
    const token = match[1]!.toLowerCase() === "basic" ? fromBasic(match[2]!) : match[2]!;
    if (!token) throw unauthorized("the password (the gateway token) is empty", "invalid_token");
    return token;
  }
  const p = (request.query as Record<string, unknown> | undefined)?.p;
  if (Array.isArray(p)) throw badRequest("expected one p parameter");
  if (typeof p === "string" && p !== "") return p;
  throw unauthorized(
    "missing credentials: send the gateway token as the password, or Authorization: Token <token>",
    "missing_token",
  );
}
