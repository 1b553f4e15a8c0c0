import type { MeasurementDeclarations } from "@platform-metrics/sdk";

const latency = (what: string) => ({ type: "float", unit: "ns", description: what }) as const;

export const measurements = {
  storage_io: {
    description:
      "One point per profile and direction and round: what fio (or the built-in probe) measured on the volume. " +
      "Latencies are completion latencies (fio's clat); for rw=sync they are those of the fsync calls.",
    tags: {
      volume: "the volume's name (PM_VOLUME_NAME, default the directory's name)",
      profile: "seq-read, seq-write, rand-read, rand-write, fsync, or a configured profile",
      rw: "read, write, or sync (the fsync calls of a profile that syncs)",
      engine: "fio, or builtin (the Node fallback when fio is missing: less precise)",
    },
    fields: {
      bw_bytes: { type: "float", unit: "bytes/s", description: "throughput (absent for rw=sync)" },
      iops: { type: "float", unit: "ops/s", description: "operations per second" },
      io_bytes: { type: "integer", unit: "bytes", description: "bytes transferred (absent for rw=sync)" },
      ios: {
        type: "integer",
        unit: "count",
        description: "operations completed (absent from fio before 2.2)",
      },
      lat_mean_ns: latency("mean latency"),
      lat_p50_ns: latency("median latency"),
      lat_p99_ns: latency("99th percentile latency"),
      lat_p999_ns: latency("99.9th percentile latency"),
      runtime_seconds: { type: "float", unit: "s", description: "time the profile ran" },
      errors: {
        type: "integer",
        unit: "count",
        description: "I/O errors counted during the run (fio's total_err)",
      },
      direct: {
        type: "boolean",
        description:
          "O_DIRECT was used; false where configured off, refused by the file system, or engine=builtin",
      },
    },
  },
  storage_probe: {
    description: "One point per round: whether the probe of the volume worked, and the volume's space.",
    tags: {
      volume: "the volume's name",
      engine: "fio or builtin",
    },
    fields: {
      ok: { type: "boolean", description: "every profile ran and reported" },
      duration_seconds: { type: "float", unit: "s", description: "time the round took" },
      profiles_ok: { type: "integer", unit: "count", description: "profiles that reported" },
      profiles_failed: { type: "integer", unit: "count", description: "profiles that failed (see error)" },
      free_bytes: {
        type: "integer",
        unit: "bytes",
        description: "free space on the volume, before the round",
      },
      total_bytes: { type: "integer", unit: "bytes", description: "size of the volume's file system" },
      direct: { type: "boolean", description: "O_DIRECT is possible on the volume and configured" },
      leftovers_removed: {
        type: "integer",
        unit: "count",
        description: "files an earlier, killed run left behind that this round removed",
      },
      error: { type: "string", description: "why the round failed (absent when ok)" },
    },
  },
} as const satisfies MeasurementDeclarations;
