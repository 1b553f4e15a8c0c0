import { existsSync } from "node:fs";
import type { Agent, IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from "node:https";
import { homedir } from "node:os";
import { join } from "node:path";
// The bin is bundled (scripts/bundle-bin.mjs) so that only what KubeConfig reaches is loaded: module by
// module, client-node loads its whole generated API client (a node importing it: 116 MB RSS; the
// bundled bin importing it: 60 MB).
import { KubeConfig } from "@kubernetes/client-node";

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** An HTTP status from the API server, with the reason of its Status body when it sent one. */
export class KubeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Requests to the API server with the credentials of a kubeconfig, found as kubectl finds it:
 * `KUBECONFIG`, then `~/.kube/config`, then the pod's service account (in a cluster).
 * `@kubernetes/client-node` reads the config and applies its authentication (tokens, client
 * certificates, exec plugins, the service account's rotating token); the requests are plain
 * node:https, streamed, so a list of 50,000 pods is never held twice.
 */
export class KubeClient {
  private agent: Agent | undefined;

  constructor(private readonly config: KubeConfig) {}

  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): KubeClient {
    const home = env.HOME ?? homedir();
    const sources = [
      env.KUBECONFIG ? "KUBECONFIG" : undefined,
      existsSync(join(home, ".kube", "config")) ? "~/.kube/config" : undefined,
      existsSync(SERVICE_ACCOUNT_TOKEN) ? "service account" : undefined,
    ];
    if (sources.every((source) => source === undefined)) {
      throw new Error(
        `no Kubernetes configuration: set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account (${SERVICE_ACCOUNT_TOKEN})`,
      );
    }
    const config = new KubeConfig();
    config.loadFromDefault();
    if (!config.getCurrentCluster())
      throw new Error("the kubeconfig names no current cluster (current-context)");
    return new KubeClient(config);
  }

  get server(): string {
    return this.config.getCurrentCluster()?.server ?? "";
  }

  /** GET a path; resolves with the response once its headers are in (the body is the caller's to read). */
  async get(path: string, query: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
    const options: RequestOptions = {};
    // Applies the current credentials (a rotated token is read again each time).
    await this.config.applyToHTTPSOptions(options);
    this.agent ??= this.makeAgent(options);
    const url = new URL(this.server.replace(/\/$/, "") + path);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const send = url.protocol === "http:" ? httpRequest : httpsRequest;
    // The TLS settings live in the agent: passed per request, they would cost a new TLS context each.
    const request = {
      headers: options.headers,
      auth: options.auth,
      agent: this.agent,
      method: "GET",
      signal,
    };
    return new Promise((resolve, reject) => {
      const req = send(url, request, resolve);
      req.setHeader("Accept", "application/json");
      req.on("error", reject);
      req.end();
    });
  }

  /**
   * One agent for every request, with the cluster's CA and client certificate, that keeps
   * connections open: a list of 100 pages is then one TLS handshake, not 100. Through a proxy (or
   * plain HTTP), client-node's own agent.
   */
  private makeAgent(options: RequestOptions): Agent {
    if (this.config.getCurrentCluster()?.proxyUrl || this.server.startsWith("http:"))
      return options.agent as Agent;
    const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername } = options;
    return new HttpsAgent({
      ca,
      cert,
      key,
      pfx,
      passphrase,
      rejectUnauthorized,
      servername,
      keepAlive: true,
    });
  }

  /** GET a path and parse its JSON body; a non-2xx answer throws a KubeHttpError. */
  async getJson(path: string, query: Record<string, string>, signal: AbortSignal): Promise<unknown> {
    const response = await this.get(path, query, signal);
    const text = await readBody(response);
    if ((response.statusCode ?? 0) >= 300) throw httpError(response.statusCode ?? 0, text);
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`GET ${path}: the API server's answer is not JSON (${text.slice(0, 80)})`);
    }
  }
}

export async function readBody(response: IncomingMessage): Promise<string> {
  response.setEncoding("utf8");
  let text = "";
  for await (const chunk of response) text += chunk;
  return text;
}

/** The error of a non-2xx answer, with the reason and message of its Status body. */
export function httpError(status: number, body: string): KubeHttpError {
  let reason = "";
  let message = body.slice(0, 200);
  try {
    const parsed = JSON.parse(body) as { reason?: unknown; message?: unknown };
    if (typeof parsed.reason === "string") reason = parsed.reason;
    if (typeof parsed.message === "string") message = parsed.message;
  } catch {
    // not a Status: keep the start of the text
  }
  return new KubeHttpError(status, reason, `HTTP ${status}${reason ? ` ${reason}` : ""}: ${message}`);
}
