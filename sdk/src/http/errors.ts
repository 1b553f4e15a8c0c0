/** What went wrong with a request; `retryable` says whether the client would try such a failure again. */
export type HttpErrorKind =
  /** The server answered with a status the caller did not ask for (4xx, 5xx). */
  | "status"
  /** A 3xx other than 304: redirects are not followed, so a credential never travels to another host. */
  | "redirect"
  /** Connection refused or reset, DNS failure, a socket that closed mid-response. */
  | "network"
  /** One attempt took longer than `timeoutMs`. */
  | "timeout"
  /** The request as a whole (all attempts and waits) ran past `deadlineMs`. */
  | "deadline"
  /** The caller's AbortSignal fired. */
  | "aborted"
  /** The body was larger than `maxBodyBytes`. */
  | "too-large"
  /** The body was not JSON. */
  | "malformed-json";

/**
 * A failed request. The message names the method and URL (never the credential, never the URL's
 * user info) and what was expected; `status` is set for "status" and "redirect".
 */
export class HttpError extends Error {
  override readonly name = "HttpError";
  readonly kind: HttpErrorKind;
  /** The URL without user info. */
  readonly url: string;
  readonly status: number | undefined;
  /** Attempts made, the failing one included. */
  readonly attempts: number;
  readonly retryable: boolean;

  constructor(
    kind: HttpErrorKind,
    message: string,
    details: { url: string; status?: number; attempts: number; retryable: boolean },
  ) {
    super(message);
    this.kind = kind;
    this.url = details.url;
    this.status = details.status;
    this.attempts = details.attempts;
    this.retryable = details.retryable;
  }
}
