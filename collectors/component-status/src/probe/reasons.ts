/** Why a target counts as down; the `reason` field. */
export type Reason =
  | "timeout"
  | "refused"
  | "dns"
  | "tls"
  | "status"
  | "redirects"
  | "payload"
  | "reset"
  | "unreachable"
  | "error";

/** A probe that failed, with a reason for the point and a detail for the log. */
export class ProbeFailure extends Error {
  constructor(
    readonly reason: Reason,
    message: string,
  ) {
    super(message);
  }
}

const DNS = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "ENODATA"]);
const RESET = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET"]);
const UNREACHABLE = new Set(["EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN"]);
const TLS = new Set([
  "EPROTO",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
]);

/** The reason of an error from node:http, node:https or node:dns. */
export function reasonOf(error: unknown): ProbeFailure {
  if (error instanceof ProbeFailure) return error;
  const { code, message } = error as { code?: unknown; message?: string };
  const text = typeof code === "string" ? code : "";
  const detail = message ?? String(error);
  if (text === "ECONNREFUSED") return new ProbeFailure("refused", detail);
  if (DNS.has(text)) return new ProbeFailure("dns", detail);
  if (TLS.has(text) || text.startsWith("ERR_TLS_") || text.startsWith("ERR_SSL_") || text.startsWith("CERT_"))
    return new ProbeFailure("tls", detail);
  if (RESET.has(text) || detail === "socket hang up") return new ProbeFailure("reset", detail);
  if (UNREACHABLE.has(text)) return new ProbeFailure("unreachable", detail);
  // llhttp's codes: the answer is not HTTP.
  if (text.startsWith("HPE_")) return new ProbeFailure("payload", `not an HTTP answer: ${detail}`);
  if (text === "ETIMEDOUT" || text === "ABORT_ERR") return new ProbeFailure("timeout", detail);
  return new ProbeFailure("error", detail);
}
