// Entry point @platform-metrics/sdk/kube: following Kubernetes objects with list and watch, for
// collectors that read the API. Optional: only its importers load @kubernetes/client-node.
export { type BackoffOptions, backoffDelay, pause } from "./backoff.js";
export { httpError, KubeClient, KubeHttpError, readBody } from "./client.js";
export {
  array,
  count,
  intern,
  type Json,
  Malformed,
  object,
  optionalCount,
  optionalObject,
  optionalString,
  string,
} from "./fields.js";
export {
  Informer,
  type InformerHandlers,
  type InformerOptions,
  type InformerStats,
  type ResourceSpec,
  type UpsertSource,
} from "./informer.js";
