// @platform-metrics/testing: real servers for tests, on free ports, cleaned up after.

export {
  BackstageCatalogServer,
  type BackstageEntity,
  backstageEntity,
  type StartBackstageCatalogOptions,
  startBackstageCatalog,
} from "./catalogs/backstage.js";
export {
  CkanServer,
  ckanOrganizationName,
  ckanPackage,
  type StartCkanOptions,
  startCkan,
} from "./catalogs/ckan.js";
export {
  FaultyJsonServer,
  type JsonAnswer,
  type RecordedRequest,
  type ServerFault,
  type ServerFaultOptions,
} from "./catalogs/faulty-json-server.js";
export {
  OpenMetadataServer,
  openMetadataServiceName,
  openMetadataTable,
  openMetadataTableName,
  type StartOpenMetadataOptions,
  startOpenMetadata,
} from "./catalogs/openmetadata.js";
export {
  OsbBrokerServer,
  type OsbPlan,
  type OsbService,
  osbService,
  type StartOsbBrokerOptions,
  startOsbBroker,
} from "./catalogs/osb.js";
export { trackChild } from "./cleanup.js";
export { type CollectorBinRun, spawnCollectorBin } from "./collector-bin.js";
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
export { type TlsCertificate, testCertificate } from "./kube-api/certificate.js";
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
  type ServiceOptions,
  serviceObject,
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
export { type Prometheus, startPrometheus } from "./prometheus.js";
export { PortInUseError } from "./server-process.js";
export { waitFor } from "./wait.js";
