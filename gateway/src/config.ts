import { influxReplicas, isOrgName } from "@platform-metrics/sdk/contracts";
import {
  commonConfigSchema,
  DEFAULT_HTTP_PORTS,
  duration,
  type LoadConfigOptions,
  loadConfig,
  parseDuration,
  portNumber,
  z,
} from "@platform-metrics/sdk/service";
import { GATEWAY_METRICS_INTERVAL } from "./measurements.js";
import { trustProxy } from "./trust-proxy.js";

const nats = commonConfigSchema.shape;

/** Each key is read from PM_<KEY_IN_SNAKE_CASE> (gatewayMaxRange -> PM_GATEWAY_MAX_RANGE) or the PM_CONFIG file. */
export const gatewayConfigSchema = z
  .object({
    influxUrls: influxReplicas.describe("InfluxDB replicas, name=url comma-separated (required)"),
    influxDb: z.string().min(1).default("platform_metrics").describe("database (default platform_metrics)"),
    influxUsername: z.string().optional().describe("InfluxDB user"),
    influxPassword: z.string().optional().describe("InfluxDB password"),
    httpPort: portNumber
      .default(DEFAULT_HTTP_PORTS.gateway)
      .describe(`listen port (default ${DEFAULT_HTTP_PORTS.gateway}, docs/ports.md)`),
    httpHost: z.string().min(1).default("0.0.0.0").describe("listen address (default 0.0.0.0)"),
    logLevel: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info")
      .describe("pino level (default info)"),
    gatewayTokensFile: z.string().min(1).optional().describe("YAML file of API tokens (sha256 digests)"),
    gatewayTokensPoll: duration({ min: "10ms" })
      .default(5000)
      .describe("how often the tokens file is checked for changes (default 5s)"),
    gatewayOidcIssuer: z.url().optional().describe("OIDC issuer; JWTs from it are accepted"),
    gatewayOidcAudience: z.string().min(1).optional().describe("required aud claim of JWTs"),
    gatewayOidcJwksUrl: z
      .url()
      .optional()
      .describe("JWKS URL (default: jwks_uri of the issuer's discovery document)"),
    gatewayOidcOrgsClaim: z
      .string()
      .min(1)
      .default("orgs")
      .describe("claim holding the org list, dotted for nested claims (default orgs)"),
    gatewayOidcAdminValue: z
      .string()
      .min(1)
      .refine(
        (value) => !isOrgName(value),
        "must not be a possible org name, or that org's members would read every org (e.g. * or pm:admin)",
      )
      .optional()
      .describe("entry of the orgs claim that grants every org (default none: no JWT grants every org)"),
    gatewayOidcClockSkew: duration({ max: "10m" })
      .default(30_000)
      .describe("clock difference allowed on a JWT's exp, nbf and iat (default 30s)"),
    gatewayOidcMaxLifetime: duration({ min: "1s" })
      .default(24 * 3_600_000)
      .describe("longest JWT lifetime (exp - iat) accepted (default 24h)"),
    gatewayOidcTimeout: duration({ min: "1ms" })
      .default(5000)
      .describe("longest wait for the IdP's discovery document or JWKS (default 5s)"),
    gatewayOidcJwksMaxAge: duration({ min: "10ms" })
      .default(60_000)
      .describe("the JWKS is fetched again once older than this (default 1m)"),
    gatewayOidcJwksCooldown: duration({ min: "0ms" })
      .default(10_000)
      .describe("a JWT with an unknown kid fetches the JWKS again at most this often (default 10s)"),
    gatewayOidcRetryMin: duration({ min: "1ms" })
      .default(1000)
      .describe("wait after a failed fetch from the IdP, doubling per failure (default 1s)"),
    gatewayOidcRetryMax: duration({ min: "1ms" })
      .default(60_000)
      .describe("longest wait between fetches from a failing IdP (default 1m)"),
    gatewayAuthFailureLimit: z.coerce
      .number()
      .int()
      .min(1)
      .default(30)
      .describe("failed authentications (401) per client address per window before 429 (default 30)"),
    gatewayAuthFailureWindow: duration({ min: "1ms" })
      .default(60_000)
      .describe("window of the failed-authentication limit (default 1m)"),
    gatewayMaxRange: duration({ min: "1s" })
      .default(31 * 24 * 3_600_000)
      .describe("longest time range of one query (default 744h)"),
    gatewayMaxPoints: z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .default(10_000)
      .describe("most points returned by one query (default 10000)"),
    gatewayDiscoveryRange: duration({ min: "1s" })
      .default(7 * 24 * 3_600_000)
      .describe("fields are listed when the org has points in this window (default 168h)"),
    gatewayQueryTimeout: duration({ min: "1ms" })
      .default(10_000)
      .describe("time limit of one InfluxDB query before 504 (default 10s)"),
    gatewayRequestTimeout: duration({ min: "1ms" })
      .default(30_000)
      .describe("time limit to receive a whole request (default 30s)"),
    gatewayBodyLimit: z.coerce
      .number()
      .int()
      .min(256)
      .default(16_384)
      .describe("largest request body in bytes before 413 (default 16384)"),
    gatewayRateLimit: z.coerce
      .number()
      .int()
      .min(1)
      .default(600)
      .describe("requests per token per rate window before 429 (default 600)"),
    gatewayRateWindow: duration({ min: "1ms" }).default(60_000).describe("rate limit window (default 1m)"),
    gatewayMaxConcurrent: z.coerce
      .number()
      .int()
      .min(1)
      .default(8)
      .describe("concurrent API requests per token before 429 (default 8)"),
    gatewayProbeInterval: duration({ min: "10ms" })
      .default(5000)
      .describe("how often replicas are pinged (default 5s)"),
    gatewayTrustProxy: trustProxy
      .default(false)
      .describe("addresses or CIDRs of the proxies whose X-Forwarded-For is believed (default false: none)"),
    gatewayNotice: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .optional()
      .describe("a note at the top of the dashboard, e.g. that its data is simulated (default none)"),
    // pm_gateway goes through NATS like a collector's points; without a URL the gateway needs no NATS.
    natsUrl: nats.natsUrl
      .unwrap()
      .optional()
      .describe("NATS server(s), comma-separated, for pm_gateway (default none: self-metrics off)"),
    natsUser: nats.natsUser,
    natsPassword: nats.natsPassword,
    natsToken: nats.natsToken,
    podName: z
      .string()
      .optional()
      .describe("pod name, from the downward API: names the NATS connection and tags pm_gateway points"),
    metricsInterval: duration({ min: "1s" })
      .default(parseDuration(GATEWAY_METRICS_INTERVAL)!)
      .describe(`how often pm_gateway points are published (default ${GATEWAY_METRICS_INTERVAL})`),
  })
  .superRefine((config, ctx) => {
    if (!config.gatewayTokensFile && !config.gatewayOidcIssuer) {
      ctx.addIssue({
        code: "custom",
        path: ["gatewayTokensFile"],
        message: "set PM_GATEWAY_TOKENS_FILE or PM_GATEWAY_OIDC_ISSUER (or both): nobody could log in",
      });
    }
    if (config.gatewayOidcRetryMax < config.gatewayOidcRetryMin) {
      ctx.addIssue({
        code: "custom",
        path: ["gatewayOidcRetryMax"],
        message: "must not be shorter than PM_GATEWAY_OIDC_RETRY_MIN",
      });
    }
    if (config.gatewayOidcIssuer && !config.gatewayOidcAudience) {
      ctx.addIssue({
        code: "custom",
        path: ["gatewayOidcAudience"],
        message: "required with PM_GATEWAY_OIDC_ISSUER: the audience of this gateway's tokens",
      });
    }
  });

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;

export function loadGatewayConfig(options: LoadConfigOptions = {}): GatewayConfig {
  return loadConfig(gatewayConfigSchema as unknown as z.ZodObject, options) as GatewayConfig;
}
