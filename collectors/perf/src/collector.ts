import { DEFAULT_HTTP_PORTS, defineCollector } from "@platform-metrics/sdk";
import { collectRound } from "./collect.js";
import { checkInterval, cliOptions, configSchema } from "./config.js";
import { measurements } from "./measurements.js";
import { type PerfState, setupState, teardownState } from "./state.js";
import { forwardSignal } from "./target/forward-signal.js";

export default defineCollector({
  name: "perf",
  description: "CPU, memory, I/O and GPU of a process tree, and how long the app ran",
  config: configSchema,
  validate: checkInterval,
  interval: "1s",
  httpPort: DEFAULT_HTTP_PORTS.perf,
  measurements,
  cli: {
    options: cliOptions,
    rest: "command",
    usage: [
      "Examples:",
      "  pm-collector-perf --pid 1234",
      "  pm-collector-perf --match 'python .*train\\.py' --wait-timeout 2m",
      "  PM_INTERVAL=100ms pm-collector-perf -- ./run-benchmark.sh --quick",
      "  pm-collector-perf --results go-test-json -- go test -json -bench . ./...",
      "  pm-collector-perf --results hyperfine=hf.json -- hyperfine --export-json hf.json 'make build'",
    ].join("\n"),
  },
  setup: (ctx): Promise<PerfState> => setupState(ctx),
  collect: collectRound,
  onSignal: (signal, { state, log }) => forwardSignal(state?.launched, signal, log),
  teardown: ({ state, config }) => teardownState(state, config),
});
