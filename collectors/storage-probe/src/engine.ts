import type { Logger } from "@platform-metrics/sdk";
import { findFio } from "./fio/find-fio.js";

export type EngineSetting = "auto" | "fio" | "builtin";

export type Engine = { kind: "fio"; fioPath: string; version: string | undefined } | { kind: "builtin" };

/** Picks fio when it runs; without it, the built-in probe, and says so once (here, at start). */
export async function chooseEngine(
  setting: EngineSetting,
  fioPath: string,
  log: Logger,
  signal?: AbortSignal,
): Promise<Engine> {
  if (setting === "builtin") {
    log.info("PM_ENGINE=builtin: measuring with the built-in Node probe (engine=builtin)");
    return { kind: "builtin" };
  }
  const lookup = await findFio(fioPath, signal);
  if (lookup.found) {
    log.info({ fioPath, version: lookup.version }, "measuring with fio");
    return { kind: "fio", fioPath, version: lookup.version };
  }
  if (setting === "fio") {
    throw new Error(
      `PM_ENGINE=fio, but fio cannot run: ${lookup.reason} (set PM_FIO_PATH, or PM_ENGINE=auto)`,
    );
  }
  log.warn(
    { fioPath, reason: lookup.reason },
    "fio is not available; measuring with the built-in Node probe (engine=builtin), which is less precise: " +
      "buffered I/O only, reads may come from the page cache, queue depth limited by the libuv thread pool",
  );
  return { kind: "builtin" };
}
