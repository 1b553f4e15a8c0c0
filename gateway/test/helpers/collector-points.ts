import type { Fixture } from "./fixture.js";
import { DB } from "./fixture.js";

// Points shaped like the perf and storage-probe collectors' (their declared measurements, tags and
// fields), for acme, every 30 s. The gateway tests write line protocol straight into both replicas.

export const STEP_MS = 30_000;
const PROFILES = [
  ["seq-read", "read"],
  ["seq-write", "write"],
  ["fsync", "write"],
  ["fsync", "sync"],
] as const;

/** The lines of one round at `ms` (a multiple of STEP_MS); `round` varies the values. */
export function roundLines(ms: number, round: number, options: { error?: string } = {}): string[] {
  const ns = `${BigInt(ms) * 1_000_000n}`;
  const tags = "org=acme,source=perf,command=train,pid=4242,scope=tree";
  const lines = [
    `perf_process,${tags} cpu_percent=${50 + (round % 7) * 5},cpu_user_seconds=${round * 0.8},` +
      `cpu_system_seconds=${round * 0.1},rss_bytes=${150_000_000 + round * 1_000_000}i,` +
      `vms_bytes=${900_000_000 + round}i,threads=${12 + (round % 3)}i,open_fds=40i,processes=3i ${ns}`,
    `perf_system,org=acme,source=perf,host=node-1 cpu_percent=${30 + (round % 5)},mem_used_bytes=` +
      `${8_000_000_000 + round * 10_000_000}i,mem_total_bytes=16000000000i,load1=${1 + (round % 4) / 4} ${ns}`,
  ];
  for (const [profile, rw] of PROFILES) {
    const storageTags = `org=acme,source=storage-probe,volume=data,profile=${profile},rw=${rw},engine=fio`;
    const bytes = rw === "sync" ? "" : `bw_bytes=${200_000_000 + round * 1_000_000},io_bytes=3000000000i,`;
    lines.push(
      `storage_io,${storageTags} ${bytes}iops=${1000 + round},lat_p50_ns=${80_000 + round * 100},` +
        `lat_p99_ns=${2_500_000 + round * 1000},errors=0i,direct=true ${ns}`,
    );
  }
  const ok = options.error === undefined;
  const error = ok ? "" : `,error=${JSON.stringify(options.error)}`;
  lines.push(
    `storage_probe,org=acme,source=storage-probe,volume=data,engine=fio ok=${ok},duration_seconds=16.5,` +
      `profiles_ok=${ok ? 5 : 4}i,profiles_failed=${ok ? 0 : 1}i,free_bytes=${50_000_000_000 - round * 1_000_000}i,` +
      `total_bytes=100000000000i,direct=true${error} ${ns}`,
    // Another org's probe of the same volume name: never on acme's screen.
    `storage_probe,org=globex,source=storage-probe,volume=data,engine=fio ok=false,error="g_secret failure" ${ns}`,
  );
  return lines;
}

/**
 * Rounds every 30 s over the last `minutes`, ending one whole step before the current one, so a
 * round written at "now" lands in a bucket of its own.
 */
export function historyLines(minutes: number, nowMs = Date.now()): string[] {
  const last = Math.floor(nowMs / STEP_MS) * STEP_MS - STEP_MS;
  const lines: string[] = [];
  for (let i = (minutes * 60_000) / STEP_MS; i >= 0; i--)
    lines.push(...roundLines(last - i * STEP_MS, 100 - i));
  return lines;
}

export async function writeToReplicas(fixture: Fixture, lines: string[]): Promise<void> {
  await Promise.all([fixture.a.write(DB, lines.join("\n")), fixture.b.write(DB, lines.join("\n"))]);
}
