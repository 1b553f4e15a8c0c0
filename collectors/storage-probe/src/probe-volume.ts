import type { CollectContext, PointBuilder } from "@platform-metrics/sdk";
import { probeBuiltin } from "./builtin-probe.js";
import type { StorageProbeConfig } from "./config.js";
import { checkDirectIo } from "./direct-io.js";
import { probeWithFio } from "./fio/probe-with-fio.js";
import { ensureSpace, freeSpace } from "./free-space.js";
import type { measurements } from "./measurements.js";
import type { ResolvedProfile } from "./profiles.js";
import type { ProfileResult } from "./result.js";
import { formatSize } from "./size.js";
import type { ProbeState } from "./state.js";

type Ctx = CollectContext<StorageProbeConfig, ProbeState, typeof measurements>;

const FIO_TIMEOUT_SLACK_MS = 60_000;

/**
 * One round: prepare the work directory, check the space, run each profile, write its points, and
 * remove the test files whatever happens. Fails the round (throws) when any profile failed; the
 * points of the profiles that worked are kept.
 */
export async function probeVolume(ctx: Ctx): Promise<void> {
  const { state, log, signal } = ctx;
  const { workdir } = state;
  const began = performance.now();
  const summary = ctx.point("storage_probe").tag("volume", state.volumeName).tag("engine", state.engine.kind);
  const failures: string[] = [];
  let profilesOk = 0;
  let leftovers = state.leftoversAtStart;
  state.leftoversAtStart = 0;
  try {
    const removed = await workdir.prepare();
    if (removed.length > 0)
      log.info({ removed, dir: workdir.path }, "removed files an earlier run left behind");
    leftovers += removed.length;
    await checkSpace(ctx, summary);
    const directAllowed = await directAllowedOn(ctx);
    summary.boolean("direct", directAllowed);
    for (const profile of state.profiles) {
      if (signal.aborted) {
        failures.push(`${profile.name}: not run, the round was stopped`);
        continue;
      }
      try {
        const result = await runProfile(ctx, profile, directAllowed);
        writeResult(ctx, result);
        profilesOk++;
      } catch (error) {
        failures.push(`${profile.name}: ${(error as Error).message}`);
      } finally {
        await workdir.removeOwnFiles().catch(() => {});
      }
    }
  } catch (error) {
    failures.push((error as Error).message);
  } finally {
    await workdir.removeOwnFiles().catch(() => {});
  }
  summary
    .boolean("ok", failures.length === 0)
    .float("duration_seconds", (performance.now() - began) / 1000)
    .integer("profiles_ok", profilesOk)
    .integer("profiles_failed", state.profiles.length - profilesOk)
    .integer("leftovers_removed", leftovers);
  if (failures.length > 0) {
    const message = `storage probe of ${workdir.volumePath} failed: ${failures.join("; ")}`;
    summary.string("error", message.slice(0, 1000));
    throw new Error(message);
  }
}

async function checkSpace(
  ctx: Ctx,
  summary: PointBuilder<(typeof measurements)["storage_probe"]>,
): Promise<void> {
  const { state, config } = ctx;
  const space = await freeSpace(state.workdir.volumePath);
  if (!space) {
    ctx.log.debug(
      { volume: state.workdir.volumePath },
      "the file system reports no capacity; free-space check skipped",
    );
    return;
  }
  summary.integer("free_bytes", space.freeBytes).integer("total_bytes", space.totalBytes);
  // Profiles run one after the other and each file is removed before the next: the largest counts.
  const largest = Math.max(...state.profiles.map((p) => p.fileSize));
  const detail = `largest test file ${formatSize(largest)} + reserve ${formatSize(config.freeSpaceReserve)}`;
  ensureSpace(space, largest + config.freeSpaceReserve, state.workdir.volumePath, detail);
}

async function directAllowedOn(ctx: Ctx): Promise<boolean> {
  const { state, config, log } = ctx;
  const wanted = state.engine.kind === "fio" && state.profiles.some((p) => p.direct);
  if (!wanted) return false;
  const support = await checkDirectIo(state.workdir.path);
  if (support.supported) return true;
  if (!state.directFallbackLogged) {
    state.directFallbackLogged = true;
    log.warn(
      { volume: state.workdir.volumePath, reason: support.reason, configured: config.direct },
      "O_DIRECT is refused here; measuring with buffered I/O (field direct=false)",
    );
  }
  return false;
}

function runProfile(ctx: Ctx, profile: ResolvedProfile, directAllowed: boolean): Promise<ProfileResult> {
  const { state, config, signal, log } = ctx;
  const file = state.workdir.fileFor(profile.name);
  if (state.engine.kind === "builtin") return probeBuiltin({ profile, file, signal });
  return probeWithFio({
    fioPath: state.engine.fioPath,
    profile,
    file,
    directAllowed,
    timeoutMs: config.fioTimeout ?? profile.runtimeMs + FIO_TIMEOUT_SLACK_MS,
    signal,
    log,
  });
}

function writeResult(ctx: Ctx, result: ProfileResult): void {
  for (const d of result.directions) {
    ctx
      .point("storage_io")
      .tag("volume", ctx.state.volumeName)
      .tag("profile", result.profile)
      .tag("rw", d.rw)
      .tag("engine", result.engine)
      .float("bw_bytes", d.bwBytes)
      .float("iops", d.iops)
      .integer("io_bytes", d.ioBytes === undefined ? undefined : Math.round(d.ioBytes))
      .integer("ios", d.ios === undefined ? undefined : Math.round(d.ios))
      .float("lat_mean_ns", d.latMeanNs)
      .float("lat_p50_ns", d.latP50Ns)
      .float("lat_p99_ns", d.latP99Ns)
      .float("lat_p999_ns", d.latP999Ns)
      .float("runtime_seconds", d.runtimeSeconds)
      .integer("errors", d.errors)
      .boolean("direct", result.direct);
  }
}
