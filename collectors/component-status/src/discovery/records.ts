// What discovery keeps of each object: only what a target needs, and for objects that are not
// annotated for scraping nothing but that fact, so a large cluster costs little.
import {
  array,
  count,
  intern,
  type Json,
  Malformed,
  object,
  optionalObject,
  optionalString,
  string,
} from "@platform-metrics/sdk/kube";

export const ANNOTATION = "platform-metrics.io/";

export interface ScrapeAnnotations {
  port?: string;
  path?: string;
  scheme?: string;
  interval?: string;
}

export interface PortRecord {
  name?: string;
  port: number;
}

export interface EndpointRecord {
  namespace: string;
  name: string;
  /** Annotated platform-metrics.io/scrape: "true". */
  scrape: boolean;
  /** A pod: Running and Ready; a service: always. */
  ready: boolean;
  /** Pod IP, cluster IP, or the service's DNS name. */
  host?: string;
  ports: PortRecord[];
  annotations: ScrapeAnnotations;
}

export interface NamespaceRecord {
  name: string;
  org?: string;
}

export function namespaceRecord(raw: unknown, orgLabel: string): NamespaceRecord {
  const metadata = object((raw as Json).metadata, "metadata");
  const labels = optionalObject(metadata.labels, "metadata.labels");
  return {
    name: string(metadata.name, "metadata.name"),
    org: optionalString(labels?.[orgLabel], `label ${orgLabel}`),
  };
}

function scrapeAnnotations(metadata: Json): { scrape: boolean; annotations: ScrapeAnnotations } {
  const annotations = optionalObject(metadata.annotations, "metadata.annotations") ?? {};
  const read = (key: string) => {
    const value = annotations[ANNOTATION + key];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  return {
    scrape: read("scrape") === "true",
    annotations: {
      port: read("port"),
      path: read("path"),
      scheme: read("scheme"),
      interval: read("interval"),
    },
  };
}

const NOT_SCRAPED = { scrape: false, ready: false, ports: [], annotations: {} };

export function podRecord(raw: unknown): EndpointRecord {
  const metadata = object((raw as Json).metadata, "metadata");
  const namespace = string(metadata.namespace, "metadata.namespace");
  const name = string(metadata.name, "metadata.name");
  const { scrape, annotations } = scrapeAnnotations(metadata);
  if (!scrape) return { namespace, name, ...NOT_SCRAPED };
  const spec = object((raw as Json).spec, "spec");
  const status = optionalObject((raw as Json).status, "status") ?? {};
  const ready = array(status.conditions, "status.conditions").some((c) => {
    const condition = object(c, "status.conditions[]");
    return condition.type === "Ready" && condition.status === "True";
  });
  const ports: PortRecord[] = [];
  for (const container of array(spec.containers, "spec.containers")) {
    for (const p of array(object(container, "spec.containers[]").ports, "spec.containers[].ports")) {
      const port = object(p, "containers[].ports[]");
      ports.push({
        name: optionalString(port.name, "ports[].name"),
        port: portNumber(port.containerPort, "containerPort"),
      });
    }
  }
  return {
    namespace,
    name,
    scrape,
    ready: status.phase === "Running" && ready,
    host: optionalString(status.podIP, "status.podIP"),
    ports,
    annotations,
  };
}

export function serviceRecord(raw: unknown): EndpointRecord {
  const metadata = object((raw as Json).metadata, "metadata");
  const namespace = string(metadata.namespace, "metadata.namespace");
  const name = string(metadata.name, "metadata.name");
  const { scrape, annotations } = scrapeAnnotations(metadata);
  if (!scrape) return { namespace, name, ...NOT_SCRAPED };
  const spec = object((raw as Json).spec, "spec");
  const ports = array(spec.ports, "spec.ports").map((p) => {
    const port = object(p, "spec.ports[]");
    return {
      name: optionalString(port.name, "spec.ports[].name"),
      port: portNumber(port.port, "spec.ports[].port"),
    };
  });
  const clusterIP = optionalString(spec.clusterIP, "spec.clusterIP");
  const host =
    clusterIP === undefined || clusterIP === "None" ? intern(`${name}.${namespace}.svc`) : clusterIP;
  return { namespace, name, scrape, ready: true, host, ports, annotations };
}

function portNumber(value: unknown, field: string): number {
  const port = count(value, field);
  if (port < 1 || port > 65535) throw new Malformed(`${field} ${port} is not a port`);
  return port;
}
