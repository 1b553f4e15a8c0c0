import type { BaseContext } from "@platform-metrics/sdk";
import type { ComponentStatusConfig } from "./config.js";
import { type Discovery, discoveryFromEnvironment, stopDiscovery } from "./discovery/follow.js";
import { staticTargets } from "./static-targets.js";
import type { Target } from "./target.js";

export interface ComponentStatusState {
  targets: Target[];
  discovery?: Discovery;
  /** When each discovered target with an interval annotation was last probed (performance.now()). */
  lastProbed: Map<string, number>;
}

type Context = BaseContext<ComponentStatusConfig>;

export function setupTargets(ctx: Context): ComponentStatusState {
  const targets = staticTargets(ctx.config);
  const discovery = ctx.config.discovery
    ? discoveryFromEnvironment({
        orgLabel: ctx.config.orgLabel,
        retryMaxMs: ctx.config.retryMax,
        log: ctx.log,
      })
    : undefined;
  if (targets.length === 0 && discovery === undefined)
    ctx.log.warn("no targets: set targets in PM_CONFIG, or PM_DISCOVERY=true in a cluster");
  return { targets, discovery, lastProbed: new Map() };
}

export async function teardownTargets(
  ctx: Context & { state: ComponentStatusState | undefined },
): Promise<void> {
  await stopDiscovery(ctx.state?.discovery);
}
