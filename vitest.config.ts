import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// One run over every package. Tests import workspace packages from source, so a change in the SDK
// is seen without a rebuild; tests that spawn a package's bin use its built dist (npm test builds first).
export default defineConfig({
  resolve: {
    // The SDK's entry points (package.json "exports") are the index.ts of their folders.
    alias: [
      { find: /^@platform-metrics\/sdk\/([a-z-]+)$/, replacement: here("./sdk/src/$1/index.ts") },
      { find: /^@platform-metrics\/sdk$/, replacement: here("./sdk/src/index.ts") },
      { find: /^@platform-metrics\/relay$/, replacement: here("./relay/src/index.ts") },
      { find: /^@platform-metrics\/testing$/, replacement: here("./testing/src/index.ts") },
    ],
  },
  test: {
    include: [
      "{sdk,testing,relay,gateway,demo,collectors/*,examples/*,deploy}/test/**/*.test.ts",
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
