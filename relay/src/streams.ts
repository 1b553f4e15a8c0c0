import { type JetStreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import {
  DEADLETTER_STREAM,
  DEADLETTER_SUBJECTS,
  METRICS_STREAM,
  METRICS_SUBJECTS,
} from "@platform-metrics/sdk/contracts";
import type { Logger } from "@platform-metrics/sdk/service";

const NS_PER_MS = 1_000_000;
const DUPLICATE_WINDOW_NS = 2 * 60 * 1000 * NS_PER_MS;

interface WantedStream {
  name: string;
  subjects: string[];
  max_age: number;
  max_bytes: number;
  duplicate_window: number;
  num_replicas: number;
}

/**
 * Ensures the METRICS stream (and DEADLETTER, where refused lines are kept). A stream that exists with
 * other settings, maybe changed by an operator on purpose, is left alone and the difference logged,
 * unless `update` asks to apply these.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  options: { retentionMs: number; maxBytes: number; replicas: number; update: boolean },
  log: Logger,
): Promise<void> {
  const wanted: WantedStream[] = [
    {
      name: METRICS_STREAM,
      subjects: [METRICS_SUBJECTS],
      max_age: options.retentionMs * NS_PER_MS,
      max_bytes: options.maxBytes,
      duplicate_window: DUPLICATE_WINDOW_NS,
      num_replicas: options.replicas,
    },
    {
      name: DEADLETTER_STREAM,
      subjects: [DEADLETTER_SUBJECTS],
      max_age: options.retentionMs * NS_PER_MS,
      max_bytes: options.maxBytes,
      duplicate_window: DUPLICATE_WINDOW_NS,
      num_replicas: options.replicas,
    },
  ];
  for (const stream of wanted) await ensureStream(jsm, stream, options.update, log);
}

async function ensureStream(
  jsm: JetStreamManager,
  wanted: WantedStream,
  update: boolean,
  log: Logger,
): Promise<void> {
  let existing: Awaited<ReturnType<JetStreamManager["streams"]["info"]>> | undefined;
  try {
    existing = await jsm.streams.info(wanted.name);
  } catch (error) {
    if (!/stream not found/i.test((error as Error).message)) throw error;
  }
  if (!existing) {
    await jsm.streams.add({ ...wanted, storage: StorageType.File, retention: RetentionPolicy.Limits });
    log.info({ stream: wanted.name, subjects: wanted.subjects }, "stream created");
    return;
  }
  const config = existing.config;
  const differences: Record<string, { existing: unknown; wanted: unknown }> = {};
  for (const key of ["subjects", "max_age", "max_bytes", "duplicate_window", "num_replicas"] as const) {
    if (JSON.stringify(config[key]) !== JSON.stringify(wanted[key]))
      differences[key] = { existing: config[key], wanted: wanted[key] };
  }
  if (Object.keys(differences).length === 0) return;
  if (!update) {
    log.warn(
      { stream: wanted.name, differences },
      "stream settings differ from the relay's; left as they are (PM_UPDATE_STREAM=true applies them)",
    );
    return;
  }
  await jsm.streams.update(wanted.name, { ...config, ...wanted });
  log.info({ stream: wanted.name, differences }, "stream settings updated");
}
