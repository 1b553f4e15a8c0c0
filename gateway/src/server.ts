import helmet from "@fastify/helmet";
import type { Logger } from "@platform-metrics/sdk/service";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { FailureLimit } from "./auth/failure-limit.js";
import { createOidcVerifier } from "./auth/oidc.js";
import { authPlugin } from "./auth/plugin.js";
import { openTokenStore } from "./auth/tokens-file.js";
import { callerGonePlugin } from "./caller-gone.js";
import { Catalogue } from "./catalogue/catalogue.js";
import type { GatewayConfig } from "./config.js";
import { clientErrorHandler, frameworkErrors, registerErrorHandlers } from "./errors.js";
import { type ReplicaStatus, Replicas } from "./influx/replicas.js";
import { limitsPlugin } from "./limits.js";
import { requestLogPlugin } from "./request-log.js";
import { catalogueRoutes } from "./routes/catalogue.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { discoveryRoutes } from "./routes/discovery.js";
import { healthRoutes } from "./routes/health.js";
import { influxPingRoutes, influxQueryRoutes } from "./routes/influx-query.js";
import { openapiRoutes } from "./routes/openapi.js";
import { queryRoutes } from "./routes/query.js";
import { countResponsesPlugin } from "./self-metrics/count-responses.js";
import { GatewayCounters } from "./self-metrics/counters.js";
import { type SelfMetrics, startSelfMetrics } from "./self-metrics/publish.js";

const API_HEADERS = {
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

declare module "fastify" {
  interface FastifyInstance {
    /** Each replica's health, with why it fails: for logs and tests, never sent to callers. */
    replicaStatus(): ReplicaStatus[];
  }
}

export interface GatewayOptions {
  config: GatewayConfig;
  logger: Logger;
}

/** The whole gateway, top to bottom. Throws TokensFileError when the tokens file is bad at start. */
export async function createGateway({ config, logger }: GatewayOptions): Promise<FastifyInstance> {
  const catalogue = Catalogue.load();
  const tokens = config.gatewayTokensFile
    ? await openTokenStore(config.gatewayTokensFile, { pollInterval: config.gatewayTokensPoll, logger })
    : undefined;
  const oidc = config.gatewayOidcIssuer
    ? createOidcVerifier({
        issuer: config.gatewayOidcIssuer,
        audience: config.gatewayOidcAudience!,
        jwksUrl: config.gatewayOidcJwksUrl,
        orgsClaim: config.gatewayOidcOrgsClaim,
        adminValue: config.gatewayOidcAdminValue,
        clockSkewMs: config.gatewayOidcClockSkew,
        maxLifetimeMs: config.gatewayOidcMaxLifetime,
        timeoutMs: config.gatewayOidcTimeout,
        maxAgeMs: config.gatewayOidcJwksMaxAge,
        unknownKeyIntervalMs: config.gatewayOidcJwksCooldown,
        retryMinMs: config.gatewayOidcRetryMin,
        retryMaxMs: config.gatewayOidcRetryMax,
        logger,
      })
    : undefined;
  const failures = new FailureLimit({
    limit: config.gatewayAuthFailureLimit,
    windowMs: config.gatewayAuthFailureWindow,
    // About 100 bytes each: at most a few MB however many addresses an attacker has.
    maxAddresses: 50_000,
  });
  const counters = new GatewayCounters();
  const replicas = new Replicas({
    replicas: config.influxUrls,
    db: config.influxDb,
    username: config.influxUsername,
    password: config.influxPassword,
    queryTimeout: config.gatewayQueryTimeout,
    probeInterval: config.gatewayProbeInterval,
    logger,
    observer: counters,
  });
  const limits = {
    maxRangeNs: BigInt(config.gatewayMaxRange) * 1_000_000n,
    maxPoints: config.gatewayMaxPoints,
  };

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request comes from requestLogPlugin, with the token id and org.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.gatewayBodyLimit,
    requestTimeout: config.gatewayRequestTimeout,
    trustProxy: config.gatewayTrustProxy,
    routerOptions: { maxParamLength: 512 },
    frameworkErrors,
    clientErrorHandler,
  });
  app.decorate("replicaStatus", () => replicas.status());
  let selfMetrics: SelfMetrics | undefined;
  app.addHook("onClose", async () => {
    tokens?.close();
    // Its last point, with the last requests' counts, goes out before NATS is let go.
    await selfMetrics?.stop();
    await replicas.close();
  });

  registerErrorHandlers(app);
  await app.register(requestLogPlugin);
  await app.register(callerGonePlugin);
  await app.register(healthRoutes, { replicas });
  await app.register(influxPingRoutes);

  // The pages get helmet's full set of headers, CSP included.
  await app.register(async (site) => {
    await site.register(helmet, {
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", "data:"],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: null,
        },
      },
    });
    await site.register(openapiRoutes);
    await site.register(dashboardRoutes, { notice: config.gatewayNotice });
  });

  await app.register(async (api) => {
    // JSON answers need few headers, and fixed ones cost nothing per request. Set before
    // authentication, so a 401 or 429 carries them too.
    api.addHook("onRequest", (_request, reply, done) => {
      reply.headers(API_HEADERS);
      done();
    });
    await api.register(countResponsesPlugin, { counters });
    await api.register(authPlugin, { tokens, oidc, failures });
    await api.register(limitsPlugin, {
      rateLimit: config.gatewayRateLimit,
      rateWindow: config.gatewayRateWindow,
      maxConcurrent: config.gatewayMaxConcurrent,
    });
    await api.register(queryRoutes, {
      replicas,
      limits,
      catalogue,
      discoveryRangeMs: config.gatewayDiscoveryRange,
    });
    await api.register(discoveryRoutes, {
      replicas,
      discoveryRangeMs: config.gatewayDiscoveryRange,
      catalogue,
    });
    await api.register(catalogueRoutes, { catalogue });
    // InfluxDB 1.x's /query, for Grafana and the influx CLI: same authentication, limits and replicas.
    await api.register(influxQueryRoutes, {
      replicas,
      limits,
      discoveryRangeMs: config.gatewayDiscoveryRange,
      database: config.influxDb,
      counters,
    });
  });

  // Last: a gateway that fails to build leaves no NATS connection open behind it.
  selfMetrics = await startSelfMetrics(config, counters, () => replicas.status(), logger);
  await replicas.start();
  return app;
}
