import { basename, resolve } from "node:path";
import type { BaseContext } from "@platform-metrics/sdk";
import { resolvedProfiles, type StorageProbeConfig } from "./config.js";
import { chooseEngine, type Engine } from "./engine.js";
import type { ResolvedProfile } from "./profiles.js";
import { WorkDir } from "./workdir.js";

export interface ProbeState {
  engine: Engine;
  workdir: WorkDir;
  volumeName: string;
  profiles: ResolvedProfile[];
  /** Leftovers removed at start, reported with the first round. */
  leftoversAtStart: number;
  /** The O_DIRECT fallback is logged once, not every round. */
  directFallbackLogged: boolean;
}

export async function setupProbe(ctx: BaseContext<StorageProbeConfig>): Promise<ProbeState> {
  const { config, log } = ctx;
  const volumePath = resolve(config.volumePath);
  const profiles = resolvedProfiles(config);
  const engine = await chooseEngine(config.engine, config.fioPath, log, ctx.signal);
  const workdir = new WorkDir(volumePath, config.workDirName);
  // A killed run cannot clean up after itself: remove what it left as soon as we start. A volume
  // that is not there yet is not an error here; each round checks it again.
  let leftoversAtStart = 0;
  try {
    const removed = await workdir.removeOwnFiles();
    leftoversAtStart = removed.length;
    if (removed.length > 0)
      log.info({ removed, dir: workdir.path }, "removed files an earlier run left behind");
  } catch (error) {
    log.warn({ err: (error as Error).message }, "cannot look for leftovers of an earlier run yet");
  }
  return {
    engine,
    workdir,
    volumeName: config.volumeName ?? (basename(volumePath) || "root"),
    profiles,
    leftoversAtStart,
    directFallbackLogged: false,
  };
}

export async function teardownProbe(
  ctx: BaseContext<StorageProbeConfig> & { state: ProbeState | undefined },
) {
  const { state, log } = ctx;
  if (!state) return;
  try {
    const foreign = await state.workdir.remove();
    if (foreign.length > 0) {
      log.warn(
        { dir: state.workdir.path, foreign },
        "left the work directory in place: it holds files the probe did not create",
      );
    }
  } catch (error) {
    log.error({ err: (error as Error).message }, "cannot remove the work directory");
  }
}
