// @platform-metrics/testing: real servers for tests, on free ports, cleaned up after.
export {
  CkanServer,
  ckanOrganizationName,
  ckanPackage,
  type StartCkanOptions,
  startCkan,
} from "./catalogs/ckan.js";
export {
  type FaultOptions,
  type FaultRequest,
  FaultyJsonServer,
  type HttpFault,
  type RecordedRequest,
} from "./catalogs/http-faults.js";
export {
  OpenMetadataServer,
  openMetadataServiceName,
  openMetadataTable,
  openMetadataTableName,
  type StartOpenMetadataOptions,
  startOpenMetadata,
} from "./catalogs/openmetadata.js";
export { findBinary } from "./find-binary.js";
export { freePort } from "./free-port.js";
export {
  type InfluxClient,
  type InfluxCountOptions,
  type InfluxCredentials,
  InfluxHttpError,
  type InfluxQueryOptions,
  type InfluxQueryResult,
  type InfluxSeries,
  type InfluxWriteOptions,
} from "./influx-client.js";
export { type Influx, type StartInfluxOptions, startInflux } from "./influxd.js";
export {
  customObject,
  daemonSetObject,
  deploymentObject,
  eventObject,
  jobObject,
  type NodeOptions,
  namespaceObject,
  nodeObject,
  type PodOptions,
  podObject,
  pvcObject,
  statefulSetObject,
  type WorkloadOptions,
} from "./kube-api/objects.js";
export {
  apiVersionOf,
  BUILTIN_RESOURCES,
  collectionPath,
  type ResourceType,
  resourceName,
} from "./kube-api/resources.js";
export {
  type KubeApiRequest,
  KubeApiServer,
  type KubeVerb,
  type StartKubeApiOptions,
  startKubeApi,
} from "./kube-api/server.js";
export type { KubeMetadata, KubeObject } from "./kube-api/store.js";
export type { ServerLifecycle } from "./managed-server.js";
export {
  type NatsCluster,
  type NatsClusterNode,
  type StartNatsClusterOptions,
  startNatsCluster,
} from "./nats-cluster.js";
export { type NatsServer, type StartNatsOptions, startNats } from "./nats-server.js";
export { PortInUseError } from "./server-process.js";
