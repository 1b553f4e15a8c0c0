import type { MeasurementDeclarations } from "@platform-metrics/sdk";

const processTags = {
  command: "command name (comm) of the process, or of the tree's root for tree sums",
  pid: "process id, or the root's pid for tree sums",
  scope: "`tree` (summed over the root and its descendants) or `process` (one process)",
} as const;

export const measurements = {
  perf_process: {
    description:
      "CPU, memory, I/O and context switches of the target's process tree, summed (default) or per process (`--per-process`). Counters are cumulative; in tree sums they keep the counts of exited processes.",
    tags: processTags,
    fields: {
      cpu_percent: {
        type: "float",
        unit: "percent",
        description: "CPU over the last interval, 100 = one core (absent on the first round)",
      },
      cpu_user_seconds: {
        type: "float",
        unit: "s",
        description: "user CPU time; per process its own, in tree sums including exited descendants",
      },
      cpu_system_seconds: {
        type: "float",
        unit: "s",
        description: "system CPU time, counted like cpu_user_seconds",
      },
      rss_bytes: { type: "integer", unit: "bytes", description: "resident memory (live processes)" },
      vms_bytes: { type: "integer", unit: "bytes", description: "virtual memory size (live processes)" },
      threads: { type: "integer", unit: "count", description: "threads (live processes)" },
      open_fds: {
        type: "integer",
        unit: "count",
        description: "open file descriptors; needs ptrace access to the target",
      },
      read_bytes: {
        type: "integer",
        unit: "bytes",
        description:
          "bytes fetched from the storage layer (/proc/<pid>/io read_bytes; cached reads and pipes not counted); needs ptrace access",
      },
      write_bytes: {
        type: "integer",
        unit: "bytes",
        description:
          "bytes written to the page cache for storage (/proc/<pid>/io write_bytes); needs ptrace access",
      },
      voluntary_context_switches: {
        type: "integer",
        unit: "count",
        description: "voluntary context switches (waiting)",
      },
      involuntary_context_switches: {
        type: "integer",
        unit: "count",
        description: "involuntary context switches (preempted)",
      },
      processes: {
        type: "integer",
        unit: "count",
        description: "live processes in the tree (tree sums only)",
      },
      gpu_memory_bytes: {
        type: "integer",
        unit: "bytes",
        description: "GPU memory held, from nvidia-smi's compute processes (when nvidia-smi exists)",
      },
    },
  },
  perf_run: {
    description:
      "One point when the target exits: how long it ran and what its whole tree used. Written once, then the collector stops.",
    tags: {
      command: "command name of the root process (launch mode: the command's file name)",
      pid: "pid of the root process",
      target: "how the target was chosen: `pid`, `match` or `launch`",
    },
    fields: {
      wall_seconds: {
        type: "float",
        unit: "s",
        description:
          "from the root's start to its exit (launch mode: exact; otherwise to within one interval)",
      },
      exit_code: {
        type: "integer",
        description: "exit code, 128 + signal when killed (launch mode, or when the exit was seen)",
      },
      cpu_user_seconds: { type: "float", unit: "s", description: "user CPU time of the whole tree" },
      cpu_system_seconds: { type: "float", unit: "s", description: "system CPU time of the whole tree" },
      peak_rss_bytes: {
        type: "integer",
        unit: "bytes",
        description: "highest sum of resident memory over the tree",
      },
      read_bytes: {
        type: "integer",
        unit: "bytes",
        description: "storage-layer bytes read by the whole tree",
      },
      write_bytes: {
        type: "integer",
        unit: "bytes",
        description: "storage-layer bytes written by the whole tree",
      },
      max_processes: {
        type: "integer",
        unit: "count",
        description: "most processes alive in the tree at once",
      },
    },
  },
  perf_system: {
    description: "Host CPU, memory and load (with `--system`).",
    tags: { host: "node name (PM_NODE_NAME) or host name" },
    fields: {
      cpu_percent: {
        type: "float",
        unit: "percent",
        description: "busy share of all CPUs over the last interval",
      },
      cpu_user_percent: { type: "float", unit: "percent", description: "user and nice share" },
      cpu_system_percent: { type: "float", unit: "percent", description: "system, irq and softirq share" },
      cpu_iowait_percent: { type: "float", unit: "percent", description: "iowait share" },
      cpus: { type: "integer", unit: "count", description: "CPUs listed in /proc/stat" },
      mem_total_bytes: { type: "integer", unit: "bytes", description: "MemTotal" },
      mem_available_bytes: { type: "integer", unit: "bytes", description: "MemAvailable" },
      mem_used_bytes: { type: "integer", unit: "bytes", description: "total minus available" },
      swap_total_bytes: { type: "integer", unit: "bytes", description: "SwapTotal" },
      swap_used_bytes: { type: "integer", unit: "bytes", description: "SwapTotal minus SwapFree" },
      load1: { type: "float", description: "1-minute load average" },
      load5: { type: "float", description: "5-minute load average" },
      load15: { type: "float", description: "15-minute load average" },
      processes_running: { type: "integer", unit: "count", description: "runnable tasks" },
      processes_total: { type: "integer", unit: "count", description: "tasks on the host" },
    },
  },
  perf_gpu: {
    description: "Per GPU, from one long-running `nvidia-smi -lms` (only when nvidia-smi exists).",
    tags: { gpu_index: "GPU index", gpu_uuid: "GPU UUID", gpu_name: "product name" },
    fields: {
      utilization_percent: { type: "float", unit: "percent", description: "utilization.gpu" },
      memory_used_bytes: { type: "integer", unit: "bytes", description: "memory.used" },
      memory_total_bytes: { type: "integer", unit: "bytes", description: "memory.total" },
      power_watts: { type: "float", unit: "watts", description: "power.draw" },
      temperature_celsius: { type: "float", unit: "celsius", description: "temperature.gpu" },
      tree_memory_used_bytes: {
        type: "integer",
        unit: "bytes",
        description: "GPU memory held by processes of the target's tree (pids as nvidia-smi sees them)",
      },
      tree_processes: { type: "integer", unit: "count", description: "processes of the tree using this GPU" },
    },
  },
} as const satisfies MeasurementDeclarations;
