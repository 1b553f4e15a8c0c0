import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// One run over every package. Tests import workspace packages from source, so a change in the SDK
// is seen without a rebuild; tests that spawn a package's bin use its built dist (npm test builds first).
export default defineConfig({
  resolve: {
    alias: {
      "@platform-metrics/relay": here("./relay/src/index.ts"),
      "@platform-metrics/sdk": here("./sdk/src/index.ts"),
      "@platform-metrics/testing": here("./testing/src/index.ts"),
    },
  },
  test: {
    include: [
      "{sdk,testing,relay,gateway,collectors/*,examples/*,deploy}/test/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    reporters: ["default"],
  },
});
