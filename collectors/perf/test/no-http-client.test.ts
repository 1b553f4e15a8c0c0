import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { describe, expect, it } from "vitest";

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/** Resolves the SDK's entry points to their sources, as the built bundle resolves them to dist/. */
const sdkFromSource: Plugin = {
  name: "sdk-from-source",
  setup(b) {
    b.onResolve({ filter: /^@platform-metrics\/sdk(\/http)?$/ }, (args) => ({
      path: repo(args.path.endsWith("/http") ? "sdk/src/http/index.ts" : "sdk/src/index.ts"),
    }));
  },
};

/** The SDK modules a bundle of `entry` holds. */
async function sdkModules(entry: { file: string } | { contents: string }): Promise<string[]> {
  const { metafile } = await build({
    ...("file" in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.contents, resolveDir: repo("collectors/perf/src"), loader: "ts" } }),
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    logLevel: "silent",
    plugins: [sdkFromSource],
  });
  return Object.keys(metafile.inputs).filter((path) => path.includes("sdk/src/"));
}

describe("the perf collector's bundle", () => {
  it("does not hold the SDK's HTTP client (@platform-metrics/sdk/http)", async () => {
    const modules = await sdkModules({ file: repo("collectors/perf/src/bin.ts") });
    expect(modules.some((path) => path.includes("sdk/src/runtime/"))).toBe(true);
    expect(modules.filter((path) => path.includes("sdk/src/http/"))).toEqual([]);
  });

  it("would hold it if the collector imported it (so the check above can fail)", async () => {
    const modules = await sdkModules({
      contents:
        'import "./bin.ts";\nimport { createHttpClient } from "@platform-metrics/sdk/http";\ncreateHttpClient();',
    });
    expect(modules.some((path) => path.includes("sdk/src/http/client.ts"))).toBe(true);
  });
});
