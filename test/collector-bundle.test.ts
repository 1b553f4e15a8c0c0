// A collector's bundle carries what a collector runs, not the strict line-protocol parser, the InfluxDB
// client or the docs renderer, which the SDK keeps behind their own entry points. Bundled as
// scripts/bundle-bin.mjs does, from source (each @platform-metrics/sdk entry point is its folder's
// index.ts), and read from esbuild's metafile: the bytes each input left in the output.
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

const sdkFromSource: Plugin = {
  name: "sdk-from-source",
  setup(b) {
    b.onResolve({ filter: /^@platform-metrics\/sdk(\/[a-z-]+)?$/ }, (args) => ({
      path: `${root}sdk/src${args.path.slice("@platform-metrics/sdk".length)}/index.ts`,
    }));
  },
};

/** SDK source files (relative to sdk/src) with bytes in the bundle of `entry`. */
async function sdkModulesIn(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [`${root}${entry}`],
    bundle: true,
    write: false,
    metafile: true,
    splitting: true,
    outdir: `${root}node_modules/.cache/collector-bundle-test`,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "silent",
    plugins: [sdkFromSource],
  });
  const used = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const at = input.indexOf("sdk/src/");
      if (bytesInOutput > 0 && at !== -1) used.add(input.slice(at + "sdk/src/".length));
    }
  }
  return [...used].sort();
}

describe("a collector's bundle", () => {
  it.each(["collectors/k8s-api/src/bin.ts", "examples/hello-collector/src/bin.ts"])(
    "%s holds the SDK's collector runtime but not its strict parser, InfluxDB client or docs",
    async (entry) => {
      const modules = await sdkModulesIn(entry);
      // The bundle was read: the runtime and the encoder are in it.
      expect(modules).toEqual(
        expect.arrayContaining([
          "runtime/run-collector.ts",
          "line-protocol/escape.ts",
          "publish/nats-sink.ts",
        ]),
      );
      const unwanted = modules.filter((m) =>
        /^(line-protocol\/(parse|message|rewrite|split|scan-bytes|compare-text)\.ts|influx\/|docs\/)/.test(m),
      );
      expect(unwanted).toEqual([]);
    },
  );

  it("would see the strict parser if a collector imported it (the check can fail)", async () => {
    const modules = await sdkModulesIn("relay/src/validate.ts");
    expect(modules).toContain("line-protocol/parse.ts");
  });
});
