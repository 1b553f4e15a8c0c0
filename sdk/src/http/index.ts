// Public API of @platform-metrics/sdk/http: an optional entry point, loaded only by collectors that
// read REST APIs (the SDK's root entry does not import it).
export {
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type HttpJsonResponse,
  type HttpRequestOptions,
  type HttpRetry,
} from "./client.js";
export { displayUrl, type HttpCredential } from "./credential.js";
export { HttpError, type HttpErrorKind } from "./errors.js";
export type { QueryValue } from "./request-url.js";
export { isRetryableStatus, parseRetryAfter } from "./retry.js";
