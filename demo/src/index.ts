// @platform-metrics/demo: the whole pipeline on one machine, for `npm run demo` and its end-to-end test.
export { COLLECTORS, type CollectorContext, type DemoCollector, SIMULATED_CLUSTER } from "./collectors.js";
export type { Endpoint } from "./endpoints.js";
export { defaultDemoDir, type Layout, layout } from "./layout.js";
export { main } from "./main.js";
export { SIMULATORS, type Simulator, type SimulatorName } from "./simulators.js";
export { DEMO_ORG, DemoStack, type StackOptions, StopRequested } from "./stack.js";
