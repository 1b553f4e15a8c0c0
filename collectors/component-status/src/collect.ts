import type { CollectContext } from "@platform-metrics/sdk";
import { checkTarget } from "./check-target.js";
import type { ComponentStatusConfig } from "./config.js";
import { discoveredTargets } from "./discovery/discovered.js";
import { forEachLimited } from "./pool.js";
import type { ComponentStatusState } from "./state.js";
import type { Target } from "./target.js";
import { writeSamples, writeStatus } from "./write-points.js";

type Context = CollectContext<ComponentStatusConfig, ComponentStatusState>;

/** One round: every due target probed (at most `concurrency` at once), each within its own timeout. */
export async function collectRound(ctx: Context): Promise<void> {
  const { config, state } = ctx;
  let discovered: Target[] = [];
  if (state.discovery !== undefined) {
    // The first round waits for the first lists (or a refusal), but a quarter of the round's time at
    // most: an API server that is down must not leave the static targets without time.
    const roundMs = config.roundTimeout ?? config.interval ?? 30_000;
    const wait = AbortSignal.any([ctx.signal, AbortSignal.timeout(roundMs / 4)]);
    await Promise.all(state.discovery.all.map((informer) => informer.waitSettled(wait)));
    discovered = discoveredTargets(state.discovery, config.timeout, ctx.log).targets;
  }
  const targets = [...state.targets, ...due(discovered, state.lastProbed)];
  let up = 0;
  const started = performance.now();
  await forEachLimited(targets, config.concurrency, async (target) => {
    const { result, payload, version } = await checkTarget(target, config, ctx.signal);
    if (result.failure === undefined) up++;
    else
      ctx.log.debug(
        { target: target.name, reason: result.failure.reason, err: result.failure.message },
        "down",
      );
    writeStatus(ctx, target, result, payload, version);
    if (payload !== undefined && "samples" in payload) writeSamples(ctx, target, payload.samples.samples);
  });
  ctx
    .point("component_round")
    .integer("targets", targets.length)
    .integer("up", up)
    .integer("discovered", discovered.length)
    .float("duration_ms", performance.now() - started);
  ctx.countErrors(targets.length - up);
}

/** Discovered targets whose interval annotation says they are due; forgets targets that are gone. */
function due(targets: Target[], lastProbed: Map<string, number>): Target[] {
  const now = performance.now();
  const names = new Set(targets.map((t) => t.name));
  for (const name of lastProbed.keys()) if (!names.has(name)) lastProbed.delete(name);
  return targets.filter((target) => {
    if (target.intervalMs === undefined) return true;
    const last = lastProbed.get(target.name);
    // A little early counts as due: rounds start with jitter.
    if (last !== undefined && now - last < target.intervalMs * 0.9) return false;
    lastProbed.set(target.name, now);
    return true;
  });
}
