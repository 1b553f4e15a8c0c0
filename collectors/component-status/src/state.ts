import type { BaseContext } from "@platform-metrics/sdk";
import type { ComponentStatusConfig } from "./config.js";
import type { Discovery } from "./discovery/follow.js";
import { staticTargets } from "./static-targets.js";
import type { Target } from "./target.js";

export interface ComponentStatusState {
  targets: Target[];
  discovery?: Discovery;
  /** When each discovered target with an interval annotation was last probed (performance.now()). */
  lastProbed: Map<string, number>;
}

type Context = BaseContext<ComponentStatusConfig>;

export async function setupTargets(ctx: Context): Promise<ComponentStatusState> {
  const targets = staticTargets(ctx.config);
  // The Kubernetes client is loaded only with discovery on: without it the collector stays small.
  const discovery = ctx.config.discovery
    ? (await import("./discovery/follow.js")).discoveryFromEnvironment({
        orgLabel: ctx.config.orgLabel,
        retryMaxMs: ctx.config.retryMax,
        log: ctx.log,
      })
    : undefined;
  const roundMs = ctx.config.roundTimeout ?? ctx.config.interval;
  for (const target of targets)
    if (roundMs !== undefined && target.timeoutMs >= roundMs)
      ctx.log.warn(
        { target: target.name, timeoutMs: target.timeoutMs, roundTimeoutMs: roundMs },
        "the target's timeout is not shorter than the round's: the round may end its probe first",
      );
  if (targets.length === 0 && discovery === undefined)
    ctx.log.warn("no targets: set targets in PM_CONFIG, or PM_DISCOVERY=true in a cluster");
  return { targets, discovery, lastProbed: new Map() };
}

export async function teardownTargets(
  ctx: Context & { state: ComponentStatusState | undefined },
): Promise<void> {
  await Promise.all(ctx.state?.discovery?.all.map((informer) => informer.stop()) ?? []);
}
