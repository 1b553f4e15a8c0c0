import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// One run over every package. Tests import workspace packages from source, so a change in the SDK
// is seen without a rebuild; tests that spawn a package's bin use its built dist (npm test builds first).
export default defineConfig({
  resolve: {
    alias: {
      "@platform-metrics/relay": here("./relay/src/index.ts"),
      // Before the root entry: an alias also matches what starts with its name and a slash.
      "@platform-metrics/sdk/http": here("./sdk/src/http/index.ts"),
      "@platform-metrics/sdk": here("./sdk/src/index.ts"),
      "@platform-metrics/testing": here("./testing/src/index.ts"),
    },
  },
  test: {
    include: [
      "{sdk,testing,relay,gateway,collectors/*,examples/*,deploy}/test/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    // Tests wait on the condition they are about, never on a clock, so these bounds only end a test
    // that went wrong: sized for the slowest test (relay faults: 100,000 points through a killed
    // relay and a stopped replica) on a shared 2-core machine with both cores busy
    // (`npm run test:busy`), several times what it takes there.
    testTimeout: 240_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    // One test file per core: each starts its own servers and process trees.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
