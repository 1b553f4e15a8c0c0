import type { Logger } from "@platform-metrics/sdk";
import type { Launched } from "./launch.js";

/**
 * The collector's signal hook: while the command runs, it gets SIGTERM, SIGINT and SIGHUP, and the
 * collector exits with the command's code after the run summary. Returns whether it was forwarded.
 */
export function forwardSignal(launched: Launched | undefined, signal: NodeJS.Signals, log: Logger): boolean {
  if (!launched || launched.exit || launched.pid === undefined) return false;
  log.info({ signal, targetPid: launched.pid }, "forwarding signal to the command");
  launched.child.kill(signal);
  return true;
}
