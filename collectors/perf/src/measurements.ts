import type { MeasurementDeclarations } from "@platform-metrics/sdk";

const processTags = {
  command: "command name (comm) of the process, or of the tree's root for tree sums",
  pid: "process id, or the root's pid for tree sums",
  scope: "`tree` (summed over the root and its descendants) or `process` (one process)",
} as const;

/** Launch mode: what identifies the run, the same on all of its points (see run/identity.ts). */
const runTags = {
  run: "launch mode: id of this run (`PM_RUN`, else start time and a random suffix): joins a run's results to its perf_run",
  project: "`PM_PROJECT`, else the CI's repository variable, the git remote's path, or the folder's name",
  branch: "`PM_BRANCH`, else the CI's branch variable or the git branch (none on a detached HEAD)",
  commit: "`PM_COMMIT`, else the CI's commit variable or the git HEAD",
  host: "node name (PM_NODE_NAME) or host name",
  pod: "pod name (PM_POD_NAME, or the host name inside Kubernetes)",
} as const;

/** Tags of a parsed result (`--results`). */
const resultTags = {
  suite:
    "what holds the result: Go package, benchmark executable, pytest group or file, `hyperfine`, JUnit classname or suite",
  name: "benchmark or test name as the tool printed it",
  format:
    "the result format read: `go-test-json`, `google-benchmark`, `pytest-benchmark`, `hyperfine` or `junit`",
  repetition:
    "1, 2, ... when the run reported the same result more than once (repetitions, `-count`); absent otherwise",
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
        counter: true,
        description: "user CPU time; per process its own, in tree sums including exited descendants",
      },
      cpu_system_seconds: {
        type: "float",
        unit: "s",
        counter: true,
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
        counter: true,
        description:
          "bytes fetched from the storage layer (/proc/<pid>/io read_bytes; cached reads and pipes not counted); needs ptrace access",
      },
      write_bytes: {
        type: "integer",
        unit: "bytes",
        counter: true,
        description:
          "bytes written to the page cache for storage (/proc/<pid>/io write_bytes); needs ptrace access",
      },
      voluntary_context_switches: {
        type: "integer",
        unit: "count",
        counter: true,
        description: "voluntary context switches (waiting)",
      },
      involuntary_context_switches: {
        type: "integer",
        unit: "count",
        counter: true,
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
      ...runTags,
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
      bench_results: { type: "integer", description: "with `--results`: bench_result points written" },
      test_results: { type: "integer", description: "with `--results`: test_result points written" },
      tests_failed: { type: "integer", description: "with `--results`: tests that failed or errored" },
      results_problems: {
        type: "integer",
        description: "with `--results`: problems met reading them (each one logged as a warning)",
      },
    },
  },
  bench_result: {
    description:
      "Launch mode with `--results`: one point per number a benchmark reported (each repetition and aggregate), written when the command exits.",
    tags: {
      ...resultTags,
      unit: "unit of `value` and of the time extras: `ns/op` (Go), `ns`/`us`/`ms`/`s`, `ratio` (a coefficient of variation), or a custom metric's unit",
      ...runTags,
    },
    fields: {
      value: {
        type: "float",
        description:
          "the result, in `unit`: Go's ns/op, Google Benchmark's real time, pytest-benchmark's and hyperfine's mean",
      },
      iterations: {
        type: "integer",
        description:
          "times the code ran for it (Go b.N, Google iterations, pytest rounds x iterations, hyperfine runs)",
      },
      bytes_per_op: { type: "float", unit: "bytes", description: "Go `B/op` (-benchmem, b.ReportAllocs)" },
      allocs_per_op: { type: "float", description: "Go `allocs/op`" },
      mb_per_s: { type: "float", description: "Go `MB/s` (b.SetBytes), decimal megabytes per second" },
      cpu_time: { type: "float", description: "Google Benchmark CPU time, in `unit`" },
      user_time: { type: "float", description: "hyperfine mean user CPU time, in `unit`" },
      system_time: { type: "float", description: "hyperfine mean system CPU time, in `unit`" },
      bytes_per_second: {
        type: "float",
        unit: "bytes/s",
        description: "Google Benchmark SetBytesProcessed rate",
      },
      items_per_second: {
        type: "float",
        unit: "ops/s",
        description: "Google Benchmark SetItemsProcessed rate",
      },
      stddev: { type: "float", description: "standard deviation, in `unit` (pytest-benchmark, hyperfine)" },
      median: { type: "float", description: "median, in `unit` (pytest-benchmark, hyperfine)" },
      min: { type: "float", description: "fastest, in `unit` (pytest-benchmark, hyperfine)" },
      max: { type: "float", description: "slowest, in `unit` (pytest-benchmark, hyperfine)" },
      rounds: { type: "integer", description: "pytest-benchmark rounds" },
    },
  },
  test_result: {
    description:
      "Launch mode with `--results`: one point per test case (go test -json events, JUnit XML), written when the command exits.",
    tags: {
      ...resultTags,
      status: "`pass`, `fail`, `error` (JUnit `<error>`) or `skip`",
      ...runTags,
    },
    fields: {
      duration_seconds: {
        type: "float",
        unit: "s",
        description: "the test's time as the runner reported it",
      },
      failed: {
        type: "integer",
        description: "1 when the test failed or errored, else 0 (sum it to count failures)",
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
