import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger } from "pino";

/** JSON logs with pino. `toStderr` keeps stdout free when line protocol goes there (`PM_SINK=stdout`). */
export function createLogger(options: {
  name: string;
  level: string;
  toStderr?: boolean;
  destination?: DestinationStream;
}): Logger {
  const destination = options.destination ?? pino.destination({ fd: options.toStderr ? 2 : 1, sync: true });
  return pino({ name: options.name, level: options.level }, destination);
}

export const silentLogger: Logger = pino({ level: "silent" });
